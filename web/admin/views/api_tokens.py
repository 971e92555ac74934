"""API tokens for integrations: list, issue (the token is shown once), revoke."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from models import API_SCOPES, ApiToken, db
from web.admin import bp
from web.admin.forms import ActionForm, ApiTokenForm
from web.api.tokens import issue_token, revoke_token


def _render(form: ApiTokenForm, issued: tuple[ApiToken, str] | None = None):
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc()))
    response = render_template("admin/api_tokens.html", active="api_tokens", form=form, tokens=rows.all(),
                               scope_labels=API_SCOPES, issued=issued)
    if issued is None:
        return response
    # The page that shows a token must not stay in any cache.
    return response, 201, {"Cache-Control": "no-store"}


@bp.get("/api-tokens")
def api_tokens():
    """Every token, active ones first, and the form to issue one."""
    return _render(ApiTokenForm())


@bp.post("/api-tokens")
def api_token_issue():
    """Issue a token and show it once; only its hash is stored."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _render(form), 400
    try:
        row, token = issue_token(form.name.data, form.scopes.data, actor=current_user)
    except ValueError as problem:
        form.name.errors = [*form.name.errors, str(problem)]
        return _render(form), 400
    return _render(ApiTokenForm(formdata=None), issued=(row, token))


@bp.post("/api-tokens/<int:token_id>/revoke")
def api_token_revoke(token_id: int):
    """Revoke a token at once; integrations using it get 401 from then on."""
    row = db.session.get(ApiToken, token_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    revoke_token(row.id, actor=current_user)
    flash(f"API トークン「{row.name}」を無効にしました。")
    return redirect(url_for("admin.api_tokens"), 303)
