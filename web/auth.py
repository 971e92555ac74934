"""Sign-in helpers shared by the staff blueprints, and the lifetime of a signed-in session.

A session is honoured while both hold: the cookie's own stamps are within the limits, and the server-side
record its token names is open and within them too (``voices.staff_sessions``).
"""
from __future__ import annotations

import time
from functools import wraps

from flask import Flask, abort, current_app, flash, g, request, session
from flask_login import current_user, login_required, login_user, logout_user

from models import User
from voices import staff_sessions

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
SESSION_TOKEN = "staff_session"
SEEN_RESOLUTION = int(staff_sessions.SEEN_RESOLUTION.total_seconds())  # do not rewrite the cookie every request
EXPIRED_MESSAGE = "一定の時間が過ぎたため、ログアウトしました。もう一度ログインしてください。"


def roles_required(*roles: str):
    """Allow only signed-in users with one of ``roles``; others get 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def client_address() -> str:
    """The client's address as the app sees it (behind MIRAI_TRUSTED_PROXIES, the forwarded one)."""
    return request.remote_addr or ""


def begin_session(user: User) -> None:
    """Sign ``user`` in on a fresh session: nothing from before the sign-in is carried over, and a session
    the browser held before (another user's, left open on a shared PC) is ended."""
    staff_sessions.end(staff_sessions.find(session.get(SESSION_TOKEN)), "replaced")
    session.clear()
    # Flask-WTF keeps the request's signed CSRF token in g; it belonged to the session just cleared.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    token = staff_sessions.start(user, address=client_address(), user_agent=request.user_agent.string)
    login_user(user)
    session[SESSION_TOKEN] = token
    session[SIGNED_IN_AT] = session[SEEN_AT] = int(time.time())


def end_session(reason: str = "logout") -> None:
    """Sign out: end the server-side record (so no copy of the cookie works any more), then the cookie."""
    staff_sessions.end(g.pop("staff_session", None) or staff_sessions.find(session.get(SESSION_TOKEN)), reason)
    logout_user()
    session.clear()


def session_record_allows(user: User) -> bool:
    """Whether the cookie's server-side record signs in ``user`` (Flask-Login's user loader asks).

    The record, or why it was refused, is kept in ``g`` for the request hook below."""
    record = staff_sessions.find(session.get(SESSION_TOKEN))
    refused = staff_sessions.refusal(record, user.id, staff_sessions.now())
    if refused:
        g.staff_session_refused = (record, refused)
        return False
    g.staff_session = record
    return True


def _session_expired(now: int) -> bool:
    """Whether the session is older than SESSION_MAX_HOURS or unused for SESSION_IDLE_MINUTES.

    Checked on the cookie's own stamps, besides its server-side record; a session without the stamps
    predates them and counts as expired."""
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    config = current_app.config
    return (now - signed_in_at > config["SESSION_MAX_HOURS"] * 3600
            or now - seen_at > config["SESSION_IDLE_MINUTES"] * 60)


def register(app: Flask) -> None:
    """Sign out sessions that were ended, are too old or were left unused too long."""

    @app.before_request
    def _expire_old_sessions():
        if request.endpoint == "static":
            return
        if not current_user.is_authenticated:
            _forget_refused_session()
            return
        now = int(time.time())
        if _session_expired(now):
            end_session("expired")
            flash(EXPIRED_MESSAGE)
            return
        if (record := g.get("staff_session")) is not None:
            staff_sessions.touch(record, staff_sessions.now())
        if now - session[SEEN_AT] >= SEEN_RESOLUTION:
            session[SEEN_AT] = now


def _forget_refused_session() -> None:
    """Drop a cookie whose server-side record was refused, ending the record if it ran out of time."""
    refused = g.pop("staff_session_refused", None)
    if refused is None:
        return
    record, reason = refused
    if reason == "expired":
        staff_sessions.end(record, "expired")
    session.clear()
    if reason == "expired":
        flash(EXPIRED_MESSAGE)
