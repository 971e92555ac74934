"""Reply templates: list, create, edit, deactivate."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from models import ReplyTemplate, db
from web.admin import bp, services
from web.admin.forms import ActionForm, ReplyTemplateForm
from web.admin.views import form_values, show_error


@bp.get("/templates")
def templates():
    """Every reply template, active ones first."""
    rows = db.session.scalars(select(ReplyTemplate).order_by(
        ReplyTemplate.active.desc(), ReplyTemplate.voice_type, ReplyTemplate.title, ReplyTemplate.id)).all()
    return render_template("admin/templates.html", active="templates", templates=rows)


@bp.route("/templates/new", methods=["GET", "POST"])
@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
def template_form(template_id: int | None = None):
    """Create or edit a reply template."""
    template = None
    if template_id is not None:
        template = db.session.get(ReplyTemplate, template_id) or abort(404)
    form = ReplyTemplateForm(obj=template)
    error = None
    if form.validate_on_submit():
        try:
            saved = services.save_template(current_user, template_id,
                                           **form_values(form, "title", "voice_type", "body", "active"))
        except services.AdminError as problem:
            error = show_error(form, problem)
        else:
            flash(f"回答文例「{saved.title}」を{'追加' if template_id is None else '更新'}しました。")
            return redirect(url_for("admin.templates"), 303)
    return render_template("admin/template_form.html", active="templates", form=form, template=template,
                           error=error)


@bp.post("/templates/<int:template_id>/deactivate")
def template_deactivate(template_id: int):
    """Hide a reply template from staff."""
    template = db.session.get(ReplyTemplate, template_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.deactivate_template(current_user, template.id)
    flash(f"回答文例「{template.title}」を無効にしました。")
    return redirect(url_for("admin.templates"), 303)
