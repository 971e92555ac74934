"""Sign-in helpers shared by the staff blueprints, and the lifetime of a signed-in session."""
from __future__ import annotations

import time
from functools import wraps

from flask import Flask, abort, current_app, flash, g, request, session
from flask_login import current_user, login_required, login_user, logout_user

from models import User

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
SEEN_RESOLUTION = 60  # seconds: do not rewrite the cookie on every request


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


def begin_session(user: User) -> None:
    """Sign ``user`` in on a fresh session: nothing from before the sign-in is carried over."""
    session.clear()
    # Flask-WTF keeps the request's signed CSRF token in g; it belonged to the session just cleared.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    login_user(user)
    session[SIGNED_IN_AT] = session[SEEN_AT] = int(time.time())


def _session_expired(now: int) -> bool:
    """Whether the session is older than SESSION_MAX_HOURS or unused for SESSION_IDLE_MINUTES.

    The session lives in a signed cookie, so a copy of it (kept after sign-out, or taken from a shared PC)
    stays valid until these limits; a session without the stamps predates them and counts as expired."""
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    config = current_app.config
    return (now - signed_in_at > config["SESSION_MAX_HOURS"] * 3600
            or now - seen_at > config["SESSION_IDLE_MINUTES"] * 60)


def register(app: Flask) -> None:
    """Sign out sessions that are too old or were left unused too long."""

    @app.before_request
    def _expire_old_sessions():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return
        now = int(time.time())
        if _session_expired(now):
            logout_user()
            session.clear()
            flash("一定の時間が過ぎたため、ログアウトしました。もう一度ログインしてください。")
        elif now - session[SEEN_AT] >= SEEN_RESOLUTION:
            session[SEEN_AT] = now
