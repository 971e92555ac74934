"""Routing threshold, due days per voice type, escalation and たらい回し alert."""
from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from models import VOICE_TYPES
from voices.retention import count_due
from web.admin import bp, services
from web.admin.forms import SettingsForm
from web.admin.views import show_error


def _form_from_settings() -> SettingsForm:
    values = services.current_settings()
    due = values["due_days"]
    data = {
        "auto_threshold": Decimal(str(values["routing.auto_threshold"])),
        "due_default": due.get("default", 10),
        "escalation_days": values["escalation.days_overdue"],
        "tarai_forwards": values["tarai.alert_forwards"],
        "retention_years": values["retention.years"],
        "retrain_new_labels": values["model.retrain_new_labels"],
    }
    for index, voice_type in enumerate(VOICE_TYPES):
        data[f"due_{index}"] = due.get(voice_type)
    return SettingsForm(data=data)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Show and change the administrator's settings."""
    form = _form_from_settings()
    error = None
    if form.validate_on_submit():
        due_days = {"default": form.due_default.data}
        for index, voice_type in enumerate(VOICE_TYPES):
            if form[f"due_{index}"].data is not None:
                due_days[voice_type] = form[f"due_{index}"].data
        try:
            changed = services.save_settings(
                current_user, auto_threshold=float(form.auto_threshold.data), due_days=due_days,
                escalation_days=form.escalation_days.data, tarai_forwards=form.tarai_forwards.data,
                retention_years=form.retention_years.data, retrain_new_labels=form.retrain_new_labels.data,
            )
        except services.AdminError as problem:
            error = show_error(form, problem)
        else:
            flash(f"設定を保存しました（変更 {len(changed)} 件）。" if changed else "変更はありませんでした。")
            return redirect(url_for("admin.settings"), 303)
    due_fields = [(voice_type, form[f"due_{index}"]) for index, voice_type in enumerate(VOICE_TYPES)]
    return render_template("admin/settings.html", active="settings", form=form, due_fields=due_fields,
                           error=error, purge_due=count_due())
