"""How long does a staff sign-in last, and what does a copy of the session cookie give?"""
from __future__ import annotations

import time

import pytest

from tests.support import csrf_token_from, login, make_user

ADMIN_PAGE = "/admin/users"


@pytest.fixture
def admin_client(app):
    app.config.update(SESSION_MAX_HOURS=12, SESSION_IDLE_MINUTES=240)  # the defaults, stated
    with app.app_context():
        make_user("chief", "admin")
    client = app.test_client()
    login(client, "chief")
    assert client.get(ADMIN_PAGE).status_code == 200
    return client


def _client_with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie("session", value)
    return client


REAL_TIME = time.time


def _later(monkeypatch, seconds: int) -> None:
    """The clock ``seconds`` after now (for the session checks and the cookie's signature alike)."""
    monkeypatch.setattr(time, "time", lambda: REAL_TIME() + seconds)


def test_a_copy_of_the_cookie_kept_after_sign_out_stops_working_when_the_session_would_have_ended(
        app, admin_client, monkeypatch):
    copy = admin_client.get_cookie("session").value
    token = csrf_token_from(admin_client.get(ADMIN_PAGE).get_data(as_text=True))
    admin_client.post("/staff/logout", data={"csrf_token": token})
    assert admin_client.get(ADMIN_PAGE).status_code == 302
    _later(monkeypatch, app.config["SESSION_MAX_HOURS"] * 3600 + 1)
    response = _client_with_cookie(app, copy).get(ADMIN_PAGE)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_session_ends_after_the_longest_working_day_even_if_used_all_the_time(app, admin_client, monkeypatch):
    hours = app.config["SESSION_MAX_HOURS"]
    for hour in range(1, hours + 1):
        _later(monkeypatch, hour * 3600 - 60)
        assert admin_client.get(ADMIN_PAGE).status_code == 200
    _later(monkeypatch, hours * 3600 + 1)
    response = admin_client.get(ADMIN_PAGE)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "一定の時間が過ぎたため、ログアウトしました" in page


def test_a_session_left_unused_ends_and_one_in_use_goes_on(app, admin_client, monkeypatch):
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    _later(monkeypatch, idle - 60)
    assert admin_client.get(ADMIN_PAGE).status_code == 200  # used: the idle time starts again
    _later(monkeypatch, 2 * idle - 120)
    assert admin_client.get(ADMIN_PAGE).status_code == 200
    _later(monkeypatch, 3 * idle)
    assert admin_client.get(ADMIN_PAGE).status_code == 302


def test_signing_in_starts_a_fresh_session(app):
    """Nothing put in the session before the sign-in (by a shared PC's previous user, or planted) survives it."""
    with app.app_context():
        make_user("chief", "admin")
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "x"
    login(client, "chief")
    with client.session_transaction() as session:
        assert "planted" not in session
