"""How long does a staff sign-in last, and what does a copy of the session cookie give?"""
from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models import StaffSession, db
from tests.support import csrf_token_from, login, make_user
from voices.staff_sessions import hash_token
from web.auth import SESSION_TOKEN

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


def _sign_out(client) -> None:
    token = csrf_token_from(client.get(ADMIN_PAGE).get_data(as_text=True))
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302


def _record(app, client) -> StaffSession:
    """The server-side record of the session ``client`` holds (detached, for reading)."""
    with client.session_transaction() as session:
        token = session[SESSION_TOKEN]
    with app.app_context():
        record = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == hash_token(token)))
        db.session.expunge(record)
        return record


def _move_record(app, record_id: int, **fields) -> None:
    with app.app_context():
        db.session.execute(update(StaffSession).where(StaffSession.id == record_id).values(**fields))
        db.session.commit()


def test_a_copy_of_the_cookie_kept_after_sign_out_stops_working_at_once(app, admin_client):
    """Signing out at a shared counter PC: does a copy of the cookie taken before still open pages? No."""
    copy = admin_client.get_cookie("session").value
    record = _record(app, admin_client)
    _sign_out(admin_client)
    assert admin_client.get(ADMIN_PAGE).status_code == 302
    response = _client_with_cookie(app, copy).get(ADMIN_PAGE)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    ended = _record_by_id(app, record.id)
    assert ended.ended_at is not None and ended.end_reason == "logout"


def _record_by_id(app, record_id: int) -> StaffSession:
    with app.app_context():
        record = db.session.get(StaffSession, record_id)
        db.session.expunge(record)
        return record


def test_signing_out_on_one_pc_leaves_the_same_users_session_on_another_pc_open(app, admin_client):
    other_pc = app.test_client()
    login(other_pc, "chief")
    _sign_out(admin_client)
    assert other_pc.get(ADMIN_PAGE).status_code == 200


def test_the_server_keeps_only_a_hash_of_the_session_token(app, admin_client):
    with admin_client.session_transaction() as session:
        token = session[SESSION_TOKEN]
    record = _record(app, admin_client)
    assert len(token) >= 40 and record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffSession)
                                 .where(StaffSession.token_hash == token)) == 0


def test_a_session_unused_too_long_by_the_servers_record_ends_even_if_the_cookie_says_otherwise(
        app, admin_client):
    """The cookie's stamps are fresh (e.g. a copy being replayed); the record was last seen beyond the idle
    limit: the server's record decides, ends the session and says why."""
    record = _record(app, admin_client)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    _move_record(app, record.id, last_seen_at=record.last_seen_at - idle - timedelta(seconds=1))
    response = admin_client.get(ADMIN_PAGE)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert "一定の時間が過ぎたため、ログアウトしました" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _record_by_id(app, record.id).end_reason == "expired"


def test_a_session_older_than_the_longest_working_day_by_the_servers_record_ends(app, admin_client):
    record = _record(app, admin_client)
    hours = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    _move_record(app, record.id, created_at=record.created_at - hours - timedelta(seconds=1))
    assert admin_client.get(ADMIN_PAGE).status_code == 302
    assert _record_by_id(app, record.id).ended_at is not None


def test_the_record_notes_use_at_most_once_a_minute(app, admin_client, monkeypatch):
    """Last use is written to the database on a resolution, not on every request."""
    first = _record(app, admin_client).last_seen_at
    _later(monkeypatch, 30)
    assert admin_client.get(ADMIN_PAGE).status_code == 200
    assert _record(app, admin_client).last_seen_at == first
    _later(monkeypatch, 61)
    assert admin_client.get(ADMIN_PAGE).status_code == 200
    assert _record(app, admin_client).last_seen_at >= first + timedelta(seconds=60)


def test_a_session_without_a_server_side_record_is_not_honoured(app, admin_client):
    """A cookie from before the records existed (or with its token removed) must sign in again."""
    with admin_client.session_transaction() as session:
        del session[SESSION_TOKEN]
    response = admin_client.get(ADMIN_PAGE)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_signing_in_on_a_pc_left_signed_in_ends_the_previous_users_session(app, admin_client):
    """At a shared PC the next person signs in without the first signing out: the first session ends."""
    with app.app_context():
        make_user("madoguchi", "counter", "市民窓口課")
    before = _record(app, admin_client)
    copy = admin_client.get_cookie("session").value
    login(admin_client, "madoguchi")
    assert _record_by_id(app, before.id).end_reason == "replaced"
    assert _client_with_cookie(app, copy).get(ADMIN_PAGE).status_code == 302


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


def test_ended_and_long_expired_session_records_are_purged_daily_and_open_ones_kept(app, admin_client):
    """The table does not grow forever: the daily job deletes rows ended, or out of their limits, more than
    30 days ago, and keeps recent ones for investigations."""
    from models import LoginFailure, User
    from routing.jobs import JOBS
    from routing.schedule import DAILY_JOBS
    from voices.login import LOCK_FOR
    from voices.staff_sessions import KEEP_ENDED_FOR, now

    assert "purge_sign_in_records" in JOBS and "purge_sign_in_records" in {job.kind for job in DAILY_JOBS}
    open_record = _record(app, admin_client)
    at = now()
    old = at - KEEP_ENDED_FOR - timedelta(days=1)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.login_id == "chief"))
        rows = {
            "ended long ago": StaffSession(token_hash="a" * 64, user_id=user_id, created_at=old, last_seen_at=old,
                                           ended_at=old, end_reason="logout"),
            "ended yesterday": StaffSession(token_hash="b" * 64, user_id=user_id, created_at=at - timedelta(days=1),
                                            last_seen_at=at - timedelta(days=1), ended_at=at - timedelta(days=1)),
            "abandoned long ago": StaffSession(token_hash="c" * 64, user_id=user_id, created_at=old - timedelta(days=1),
                                               last_seen_at=old - timedelta(days=1)),
        }
        db.session.add_all(rows.values())
        db.session.add_all([
            LoginFailure(login_key="k" * 64, address="10.0.0.1", failures=2, last_failed_at=at - 2 * LOCK_FOR),
            LoginFailure(login_key="k" * 64, address="10.0.0.2", failures=0, last_failed_at=at - 2 * LOCK_FOR,
                         locked_until=at + timedelta(minutes=1)),
            LoginFailure(login_key="k" * 64, address="10.0.0.3", failures=3, last_failed_at=at),
        ])
        db.session.commit()
        result = JOBS["purge_sign_in_records"].func("2026-11-26")
        assert result == "purged 2 sessions, 1 failure counts"
        left = set(db.session.scalars(select(StaffSession.token_hash)))
        assert left == {open_record.token_hash, "b" * 64}
        assert set(db.session.scalars(select(LoginFailure.address))) == {"10.0.0.2", "10.0.0.3"}
    assert admin_client.get(ADMIN_PAGE).status_code == 200
