"""Staff accounts: list, create, edit, deactivate, reset password, unlock, end sessions."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from models import User, db, utcnow
from voices import staff_sessions
from voices.login import lock_states
from web.admin import bp, services
from web.admin.forms import ActionForm, PasswordResetForm, UserCreateForm, UserEditForm
from web.admin.views import form_values, section_choices, show_error

USER_FIELDS = ("display_name", "email", "role", "section_id")


def _get_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users")
def users():
    """Every account with its role, 課 and whether it is locked."""
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.login_id)).all()
    return render_template("admin/users.html", active="users", users=rows, locks=lock_states(rows, utcnow()))


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    """Create an account with an initial password."""
    form = UserCreateForm()
    form.section_id.choices = section_choices("（所属なし）")
    error = None
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user, **form_values(form, "login_id", "password", *USER_FIELDS))
        except services.AdminError as problem:
            error = show_error(form, problem)
        else:
            flash(f"職員「{user.display_name}（{user.login_id}）」を追加しました。")
            return redirect(url_for("admin.users"), 303)
    return render_template("admin/user_form.html", active="users", form=form, user=None, error=error)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    """Change an account's name, e-mail, role, 課 or active state."""
    user = _get_user(user_id)
    form = UserEditForm(obj=user)
    form.section_id.choices = section_choices("（所属なし）", user.section_id)
    error = None
    if form.validate_on_submit():
        try:
            services.update_user(current_user, user.id, **form_values(form, "active", *USER_FIELDS))
        except services.AdminError as problem:
            error = show_error(form, problem)
        else:
            flash(f"職員「{user.display_name}（{user.login_id}）」を更新しました。")
            return redirect(url_for("admin.users"), 303)
    return render_template("admin/user_form.html", active="users", form=form, user=user, error=error,
                           active_sessions=staff_sessions.count_active(user.id))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def user_password(user_id: int):
    """Set a new password for an account."""
    user = _get_user(user_id)
    form = PasswordResetForm()
    error = None
    if form.validate_on_submit():
        try:
            services.reset_password(current_user, user.id, form.password.data)
        except services.AdminError as problem:
            error = show_error(form, problem)
        else:
            flash(f"職員「{user.display_name}（{user.login_id}）」のパスワードを再設定しました。")
            return redirect(url_for("admin.users"), 303)
    return render_template("admin/user_password.html", active="users", form=form, user=user, error=error)


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    """Stop an account from signing in."""
    user = _get_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.deactivate_user(current_user, user.id)
    except services.AdminError as problem:
        flash(str(problem))
    else:
        flash(f"職員「{user.display_name}（{user.login_id}）」を無効にしました。")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<int:user_id>/unlock")
def user_unlock(user_id: int):
    """Clear an account's sign-in lockout."""
    user = _get_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.unlock_user(current_user, user.id)
    flash(f"職員「{user.display_name}（{user.login_id}）」のロックを解除しました。")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<int:user_id>/sessions/end")
def user_end_sessions(user_id: int):
    """End every open session of an account (a lost or shared PC, a suspected copy of the cookie)."""
    user = _get_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ended = services.end_sessions(current_user, user.id)
    flash(f"職員「{user.display_name}（{user.login_id}）」のセッションを{ended}件終了しました。")
    return redirect(url_for("admin.user_edit", user_id=user.id), 303)
