"""API tokens for integrations: list, issue (the token is shown once), revoke."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from models import API_SCOPES, ApiToken, Department, active_sections, db, utcnow
from models.api_token import EXPIRY_WARNING
from web.admin import bp
from web.admin.forms import ActionForm, ApiTokenForm
from web.api.tokens import TokenIssueError, issue_token, revoke_token


def _token_form(**kwargs) -> ApiTokenForm:
    """The issue form with today's active 課 to choose from (labelled with their 部)."""
    form = ApiTokenForm(**kwargs)
    departments = dict(db.session.execute(select(Department.id, Department.name)).all())
    form.section_ids.choices = [SelectChoice(section.id, f"{section.name}（{departments[section.department_id]}）")
                                for section in active_sections()]
    return form


def _render(form: ApiTokenForm, issued: tuple[ApiToken, str] | None = None):
    now = utcnow()
    # Working tokens first, the soonest to expire at the top; then expired ones; revoked ones last.
    rows = db.session.scalars(
        select(ApiToken).options(selectinload(ApiToken.sections))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.expires_at <= now, ApiToken.expires_at,
                  ApiToken.id.desc()))
    response = render_template("admin/api_tokens.html", active="api_tokens", form=form, tokens=rows.all(),
                               scope_labels=API_SCOPES, issued=issued, now=now, warning_days=EXPIRY_WARNING.days)
    if issued is None:
        return response
    # The page that shows a token must not stay in any cache.
    return response, 201, {"Cache-Control": "no-store"}


@bp.get("/api-tokens")
def api_tokens():
    """Every token, those still in use first (the soonest to expire at the top), and the form to issue one."""
    return _render(_token_form())


@bp.post("/api-tokens")
def api_token_issue():
    """Issue a token and show it once; only its hash is stored."""
    form = _token_form()
    if not form.validate_on_submit():
        return _render(form), 400
    try:
        row, token = issue_token(form.name.data, form.scopes.data, actor=current_user, days=form.days.data,
                                 section_ids=form.section_ids.data, all_sections=form.read_range.data == "all")
    except TokenIssueError as problem:
        field = form._fields.get(problem.field, form.name)
        field.errors = [*field.errors, str(problem)]
        return _render(form), 400
    return _render(_token_form(formdata=None), issued=(row, token))


@bp.post("/api-tokens/<int:token_id>/revoke")
def api_token_revoke(token_id: int):
    """Revoke a token at once; integrations using it get 401 from then on."""
    row = db.session.get(ApiToken, token_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    revoke_token(row.id, actor=current_user)
    flash(f"API トークン「{row.name}」を無効にしました。")
    return redirect(url_for("admin.api_tokens"), 303)
