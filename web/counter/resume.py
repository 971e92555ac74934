"""Keep a consultation typed at the counter when the session ended before it was saved.

Counter staff keep the form open for hours; when the session has ended by the time they press 保存, the
typed consultation would be lost on the way to the sign-in page. Instead the sign-in page carries it back
to the browser that posted it, in hidden fields (nothing is stored on the server or in the cookie), and
a sign-in by intake staff shows the counter form filled in again, still unsaved, to be checked and saved.

Only a same-origin post is carried (the browser says so in ``Origin`` or ``Sec-Fetch-Site``): another site
must not be able to fill in a counter form for the next person who signs in."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import render_template, request, url_for
from flask_login import current_user

CARRY_PREFIX = "carry-"
SIGNED_OUT_NOTICE = ("一定の時間が過ぎたため、ログアウトしていました。入力した相談内容はまだ登録されていません。"
                     "ログインすると、入力した内容のまま受付画面に戻ります。")
RESUMED_NOTICE = "ログインし直しました。入力内容を確かめてから、もう一度保存してください。"


def _form_fields() -> tuple[str, ...]:
    from web.counter.forms import CounterForm

    return tuple(name for name in CounterForm.__dict__ if not name.startswith("_")
                 and hasattr(getattr(CounterForm, name), "field_class"))


def _same_origin() -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if not origin:
        return False
    parts, own = urlsplit(origin), urlsplit(request.host_url)
    return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)


def carried_input() -> dict[str, str]:
    """The counter fields a sign-in form carries (empty when it carries none)."""
    fields = _form_fields()
    return {name[len(CARRY_PREFIX):]: value for name, value in request.form.items()
            if name.startswith(CARRY_PREFIX) and name[len(CARRY_PREFIX):] in fields}


def sign_in_keeping_input():
    """The sign-in page carrying the counter fields of this post, or None when they may not be carried."""
    if request.method != "POST" or request.endpoint != "counter.form" or not _same_origin():
        return None
    carry = {name: request.form[name] for name in _form_fields() if name in request.form}
    if not (carry.get("body") or "").strip():
        return None
    from web.staff.forms import LoginForm

    return render_template("staff/login.html", form=LoginForm(), error=None, carry=carry,
                           notice=SIGNED_OUT_NOTICE, action=url_for("staff.login")), 401


def keeps_input_when_signed_out(view):
    """Around the counter form's view: a post from a browser whose session has ended goes to a sign-in page
    that keeps what was typed, instead of the plain redirect that would drop it."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            page = sign_in_keeping_input()
            if page is not None:
                return page
        return view(*args, **kwargs)
    return wrapped
