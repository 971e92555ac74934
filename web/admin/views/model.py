"""The classifier as the administrator sees it: versions and their figures, retrain, promote, roll back."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from models import AuditLog, JobRecord, db, get_setting
from routing.model_quality import model_quality
from routing.model_registry import (
    RETRAIN_KIND,
    ModelAdminError,
    new_staff_labels,
    promote_version,
    request_retrain,
    retrain_in_progress,
    rollback_version,
    staff_label_count,
    staff_measure_label_count,
    unlearnt_organization,
    version_summaries,
)
from web.admin import bp
from web.admin.forms import ActionForm

MODEL_ACTIONS = ("model.retrained", "model.retrain_requested", "model.promote", "model.rollback")


@bp.get("/model")
def model():
    """Saved versions (newest first), what a retraining would add, and the latest model actions."""
    history = db.session.scalars(select(AuditLog).where(AuditLog.action.in_(MODEL_ACTIONS))
                                 .order_by(AuditLog.id.desc()).limit(10)).all()
    last_job = db.session.scalar(select(JobRecord).where(JobRecord.kind == RETRAIN_KIND)
                               .order_by(JobRecord.id.desc()).limit(1))
    return render_template(
        "admin/model.html", active="model", versions=version_summaries(), staff_labels=staff_label_count(),
        staff_measure_labels=staff_measure_label_count(),
        running=retrain_in_progress(), last_job=last_job, history=history,
        threshold=float(get_setting("routing.auto_threshold")), organization=unlearnt_organization(),
        new_labels=new_staff_labels(), retrain_new_labels=int(get_setting("model.retrain_new_labels")),
        quality=model_quality(),
    )


def _act(action) -> None:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        message = action()
    except ModelAdminError as problem:
        flash(str(problem), "error")
    else:
        flash(message)


@bp.post("/model/retrain")
def model_retrain():
    """Retrain with the staff-confirmed labels; the candidate becomes active only if it is not worse."""
    def run() -> str:
        job = request_retrain(current_user)
        if job.state == "done":
            return "再学習が終わりました。結果は下の履歴を確認してください。"
        return "再学習をジョブとして登録しました。数分後にこのページを再読み込みしてください。"
    _act(run)
    return redirect(url_for("admin.model"), 303)


@bp.post("/model/versions/<version>/promote")
def model_promote(version: str):
    """Make a saved version the active one."""
    _act(lambda: f"モデル {promote_version(version, current_user).version} を有効にしました。")
    return redirect(url_for("admin.model"), 303)


@bp.post("/model/rollback")
def model_rollback():
    """Go back to the version that was active before the current one."""
    _act(lambda: f"以前のモデル {rollback_version(current_user).version} に戻しました。")
    return redirect(url_for("admin.model"), 303)
