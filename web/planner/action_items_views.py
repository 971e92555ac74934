"""アクションプラン pages: everyone on the planner pages reads the list; administrators edit and import."""
from __future__ import annotations

import tempfile
from pathlib import Path

import click
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from models import ACTION_ITEM_STATUSES, ActionItem, Measure, Section, active_sections, db
from routing.action_items import COLUMNS, ActionItemError, import_file, save_item
from voices.exports import Table, csv_content_type, to_csv
from voices.stats import action_item_rows
from web.planner import bp

FIELDS = tuple(COLUMNS)


class CsrfForm(FlaskForm):
    """Only CSRF: the fields are read by name and validated by the service."""


def _admin_only() -> None:
    if current_user.role != "admin":
        abort(403)


@bp.get("/action-items")
def action_items():
    measures = db.session.scalars(select(Measure).order_by(Measure.code)).all()
    rows = {m.code: action_item_rows(m.code) for m in measures}
    return render_template("planner/action_items.html", measures=measures, rows=rows, form=CsrfForm(),
                           is_admin=current_user.role == "admin", columns=[a[0] for a in COLUMNS.values()])


@bp.get("/action-items/template.csv")
def action_items_template():
    """An empty file with the import headings (UTF-8 with BOM)."""
    from flask import Response

    body = to_csv(Table("アクションプラン", [aliases[0] for aliases in COLUMNS.values()], []))
    return Response(body, content_type=csv_content_type(),
                    headers={"Content-Disposition": 'attachment; filename="action_items_template.csv"'})


def _form_values(item: ActionItem | None) -> dict[str, str]:
    if item is None:
        return {name: "" for name in FIELDS}
    sections = dict(db.session.execute(select(Section.id, Section.name)).all())
    return {"code": item.code, "title": item.title, "description": item.description, "measure": item.measure.code,
            "section": sections.get(item.section_id, ""), "start_fiscal_year": str(item.start_fiscal_year or ""),
            "end_fiscal_year": str(item.end_fiscal_year or ""), "status": item.status, "kpi": item.kpi}


@bp.route("/action-items/new", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/action-items/<int:item_id>/edit", methods=["GET", "POST"])
def action_item_form(item_id: int | None):
    _admin_only()
    item = db.session.get(ActionItem, item_id) if item_id else None
    if item_id and item is None:
        abort(404)
    form = CsrfForm()
    values, error = _form_values(item), None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = {name: request.form.get(name, "") for name in FIELDS}
        try:
            saved = save_item(values, current_user, item_id)
        except ActionItemError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            flash(f"アクションプラン {saved.code} を保存しました。")
            return redirect(url_for("planner.action_items") + f"#item-{saved.id}")
    sections = active_sections()
    measures = db.session.scalars(select(Measure).order_by(Measure.code)).all()
    return render_template("planner/action_item_form.html", form=form, item=item, values=values, error=error,
                           sections=sections, measures=measures, statuses=ACTION_ITEM_STATUSES), 200 if not error else 400


@bp.post("/action-items/import")
def action_items_import():
    """Import a CSV/XLSX file of action items: all rows or, when one is wrong, none."""
    _admin_only()
    if not CsrfForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("ファイルを選んでください。", "error")
        return redirect(url_for("planner.action_items"))
    suffix = Path(upload.filename).suffix.lower()[:6]
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as handle:
        upload.save(handle)
    try:
        result = import_file(handle.name, upload.filename, current_user)
    finally:
        Path(handle.name).unlink(missing_ok=True)
    if not result.ok:
        db.session.rollback()
        return render_template("planner/action_items_import.html", result=result, filename=upload.filename), 400
    flash(f"{upload.filename} を取り込みました（新規 {result.created} 件・更新 {result.updated} 件）。")
    return redirect(url_for("planner.action_items"))


@bp.cli.command("refresh-rollups")
def refresh_rollups_command() -> None:
    """Rebuild the planner rollups (run from cron, e.g. nightly; new voices are counted live meanwhile)."""
    from routing.answer_times import rollup_answer_days
    from voices.rollups import refresh

    click.echo(f"集計を更新しました（受付ID {refresh(rollup_answer_days):,} までを集計）")


@bp.cli.command("seed-action-items")
def seed_action_items_command() -> None:
    """Load the demo アクションプラン (only when there are no action items yet)."""
    from web.planner.demo import seed_demo_action_items

    result = seed_demo_action_items()
    if result is None:
        click.echo("アクションプランは登録済みです。")
    elif result.ok:
        click.echo(f"アクションプラン {result.created} 件を登録")
    else:
        raise click.ClickException("\n".join(result.errors))
