"""部 and 課: list grouped by 部, create and edit."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from models import Department, Section, db
from web.admin import bp, services
from web.admin.forms import DepartmentForm, SectionForm
from web.admin.views import form_values, section_choices, show_error

SECTION_FIELDS = ("name", "department_id", "description", "sort_order", "active", "successor_id", "is_hearing")


def _departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.sort_order, Department.id)))


@bp.get("/sections")
def sections():
    """Every 課, grouped by 部, with its open voices."""
    return render_template("admin/sections.html", active="sections", departments=_departments(),
                           open_counts=services.open_voice_counts())


@bp.route("/sections/new", methods=["GET", "POST"])
@bp.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
def section_form(section_id: int | None = None):
    """Create or edit a 課."""
    section = None
    if section_id is not None:
        section = db.session.get(Section, section_id) or abort(404)
    form = SectionForm(obj=section)
    form.department_id.choices = [SelectChoice(d.id, d.name) for d in _departments()]
    form.successor_id.choices = [choice for choice in section_choices("（なし）", section.successor_id if section else None)
                                 if section is None or choice.value != section.id]
    error = None
    if form.validate_on_submit():
        try:
            saved, handed = services.save_section(current_user, section_id, **form_values(form, *SECTION_FIELDS))
        except services.AdminError as problem:
            error = show_error(form, problem)
        else:
            flash(f"課「{saved.name}」を{'追加' if section_id is None else '更新'}しました。")
            if handed:
                flash(f"未完了の声 {handed.voices} 件（関係課として {handed.related} 件）、職員 {handed.users} 人、"
                      f"振り分けルール {handed.rules} 件、アクションプラン {handed.action_items} 件を"
                      f"{saved.successor.name}に引き継ぎました。")
            return redirect(url_for("admin.sections"), 303)
    return render_template("admin/section_form.html", active="sections", form=form, section=section,
                           error=error)


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
def department_form(department_id: int | None = None):
    """Create or rename a 部."""
    department = None
    if department_id is not None:
        department = db.session.get(Department, department_id) or abort(404)
    form = DepartmentForm(obj=department)
    error = None
    if form.validate_on_submit():
        try:
            saved = services.save_department(current_user, department_id, **form_values(form, "name", "sort_order"))
        except services.AdminError as problem:
            error = show_error(form, problem)
        else:
            flash(f"部「{saved.name}」を{'追加' if department_id is None else '更新'}しました。")
            return redirect(url_for("admin.sections"), 303)
    return render_template("admin/department_form.html", active="sections", form=form, department=department,
                           error=error)
