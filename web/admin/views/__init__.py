"""Thin administrator views: parse the form, call a service in web.admin.services, show the result."""
from __future__ import annotations

from flask import render_template
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from models import Department, Section, db
from web.admin import bp
from web.admin.services import AdminError


def form_values(form: FlaskForm, *names: str) -> dict:
    """The named fields' data, as keyword arguments for a service function."""
    return {name: form[name].data for name in names}


def section_choices(empty_label: str, current_id: int | None = None) -> list[SelectChoice]:
    """Active 課 grouped by 部 (plus ``current_id`` even when inactive), after an empty choice."""
    rows = db.session.execute(
        select(Section.id, Section.name, Department.name, Section.active)
        .join(Department, Section.department_id == Department.id)
        .order_by(Department.sort_order, Department.id, Section.sort_order, Section.id)
    )
    return [SelectChoice("", empty_label)] + [
        SelectChoice(sid, name if active else f"{name}（無効）", optgroup=bu)
        for sid, name, bu, active in rows if active or sid == current_id
    ]


def show_error(form: FlaskForm, error: AdminError) -> str | None:
    """Put a service's message next to its field; return it when it belongs to no field."""
    if error.field and error.field in form:
        field = form[error.field]
        field.errors = [*field.errors, str(error)]
        return None
    return str(error)


@bp.get("/")
def index():
    """The administrator's menu."""
    return render_template("admin/index.html", active="index")


from web.admin.views import api_tokens, audit, model, organization, rules, settings, templates, users  # noqa: F401
