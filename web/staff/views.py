"""Thin staff views over the scoped accessor and the routing services."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from models import Section, User, Voice, db
from routing.service import RoutingError, assign_by_hand
from voices.access import can_see_personal_data, visible_voices
from web.staff import bp
from web.staff.forms import AssignForm, LoginForm


def roles_required(*roles: str):
    """Allow only signed-in users with one of ``roles``."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.login_id == form.login_id.data.strip()))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "ログインIDまたはパスワードが正しくありません。"
    return render_template("staff/login.html", form=form, error=error)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("ログアウトしました。")
    return redirect(url_for("staff.login"))


@bp.get("/")
@login_required
def home():
    if current_user.role == "hearing":
        return redirect(url_for("staff.triage"))
    return redirect(url_for("staff.queue"))


@bp.get("/queue")
@roles_required("section_staff", "section_head", "hearing", "admin")
def queue():
    """The voices of the user's own 課 (all voices for 広聴 and admin), by due date."""
    query = visible_voices(current_user).where(Voice.status.notin_(("closed", "no_action")))
    if current_user.section_id is not None:
        query = query.where(Voice.section_id == current_user.section_id)
    voices = db.session.scalars(query.order_by(Voice.due_date.is_(None), Voice.due_date, Voice.id)).all()
    return render_template("staff/queue.html", voices=voices)


@bp.get("/triage")
@roles_required("hearing", "admin")
def triage():
    """Voices the model was unsure about, waiting for 広聴 to pick a section."""
    voices = db.session.scalars(
        visible_voices(current_user).where(Voice.status.in_(("triage", "received"))).order_by(Voice.received_at)
    ).all()
    return render_template("staff/triage.html", voices=voices)


@bp.get("/voices/<int:voice_id>")
@login_required
def voice(voice_id: int):
    item = db.session.scalar(visible_voices(current_user).where(Voice.id == voice_id))
    if item is None:
        abort(404)
    form = AssignForm()
    form.section_id.choices = _section_choices()
    if item.section_id:
        form.section_id.data = item.section_id
    return render_template(
        "staff/voice.html", voice=item, form=form,
        show_personal=can_see_personal_data(current_user),
        can_assign=current_user.role in ("hearing", "admin"),
    )


@bp.post("/voices/<int:voice_id>/assign")
@roles_required("hearing", "admin")
def assign(voice_id: int):
    if db.session.scalar(visible_voices(current_user).where(Voice.id == voice_id)) is None:
        abort(404)
    form = AssignForm()
    form.section_id.choices = _section_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        voice = assign_by_hand(voice_id, form.section_id.data, current_user, (form.reason.data or "").strip())
    except RoutingError as error:
        flash(str(error))
        return redirect(url_for("staff.voice", voice_id=voice_id))
    flash(f"受付番号 {voice.receipt_no} を{voice.section.name}に振り分けました。")
    return redirect(url_for("staff.triage"))


def _section_choices() -> list[SelectChoice]:
    sections = db.session.scalars(
        select(Section).where(Section.active.is_(True)).order_by(Section.sort_order)
    ).all()
    return [SelectChoice(s.id, f"{s.department.name} {s.name}") for s in sections]
