"""Is staff sign-in protected against guessing, without telling which ids exist or locking out the user?"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models import AuditLog, LoginFailure, db, utcnow
from tests.support import PASSWORD, csrf_token_from, make_user
from voices.login import LOCK_FOR, MAX_FAILURES

DESK = "10.1.2.3"
ELSEWHERE = "10.9.9.9"


def test_a_locked_account_cannot_sign_in_even_with_the_right_password(app):
    with app.app_context():
        make_user("kankyo", "section_staff", "生活環境課")
    client = app.test_client()
    for _ in range(5):
        token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
        response = client.post("/staff/login", data={"login_id": "kankyo", "password": "wrong", "csrf_token": token})
        assert response.status_code == 401
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post("/staff/login", data={"login_id": "kankyo", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 401
    assert "しばらくログインできません" in response.get_data(as_text=True)


def test_too_many_sign_in_attempts_from_one_address_are_refused(app):
    app.config["RATE_LIMIT_LOGIN"] = "5 per minute"
    client = app.test_client()
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    codes = [client.post("/staff/login", data={"login_id": f"nobody{i}", "password": "x", "csrf_token": token}).status_code
             for i in range(6)]
    assert codes == [401] * 5 + [429]


def _sign_in(app, login_id: str, password: str) -> int:
    return _attempt(app, login_id, password)[0]


def _attempt(app, login_id: str, password: str, address: str = "127.0.0.1") -> tuple[int, str]:
    """One sign-in from ``address`` on a fresh browser: the status and the page's text (form token removed)."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    token = csrf_token_from(client.get("/staff/login", environ_base=environ).get_data(as_text=True))
    response = client.post("/staff/login", data={"login_id": login_id, "password": password, "csrf_token": token},
                           environ_base=environ)
    return response.status_code, re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


@pytest.fixture
def kankyo(app):
    """A section staff member, with the per-address rate limit out of the way of these counts."""
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        return make_user("kankyo", "section_staff", "生活環境課").id


def test_an_unknown_login_id_is_answered_exactly_like_a_real_one_through_the_lockout(app, kankyo):
    """Could someone tell real ids from the answers? Each attempt of 7 gives the same status and page for
    the real 「kankyo」 and the made-up 「kankyou」, including the lockout message from the sixth."""
    real = [_attempt(app, "kankyo", "wrong") for _ in range(MAX_FAILURES + 2)]
    unknown = [_attempt(app, "kankyou", "wrong") for _ in range(MAX_FAILURES + 2)]
    assert real == unknown
    assert [code for code, _ in real] == [401] * (MAX_FAILURES + 2)
    assert all("しばらくログインできません" not in page for _, page in real[:MAX_FAILURES])
    assert all("しばらくログインできません" in page for _, page in real[MAX_FAILURES:])


def test_a_deactivated_account_is_answered_like_an_unknown_one(app, kankyo):
    from models import User

    with app.app_context():
        db.session.get(User, kankyo).active = False
        db.session.commit()
    retired = [_attempt(app, "kankyo", PASSWORD) for _ in range(MAX_FAILURES + 1)]
    assert retired == [_attempt(app, "nobody", PASSWORD) for _ in range(MAX_FAILURES + 1)]


def test_a_stranger_guessing_elsewhere_does_not_lock_the_staff_member_out_at_their_desk(app, kankyo):
    for _ in range(MAX_FAILURES + 3):
        _attempt(app, "kankyo", "wrong", ELSEWHERE)
    assert "しばらくログインできません" in _attempt(app, "kankyo", PASSWORD, ELSEWHERE)[1]
    assert _attempt(app, "kankyo", PASSWORD, DESK)[0] == 302


def test_ones_own_mistakes_lock_ones_own_desk_for_fifteen_minutes(app, kankyo):
    for _ in range(MAX_FAILURES):
        assert _attempt(app, "kankyo", "wrong", DESK)[0] == 401
    assert "しばらくログインできません" in _attempt(app, "kankyo", PASSWORD, DESK)[1]
    with app.app_context():
        db.session.execute(update(LoginFailure).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert _attempt(app, "kankyo", PASSWORD, DESK)[0] == 302
    with app.app_context():
        assert db.session.scalars(select(LoginFailure)).all() == []  # a sign-in clears the count


def test_failures_far_apart_do_not_add_up_to_a_lock(app, kankyo):
    for _ in range(MAX_FAILURES - 1):
        _attempt(app, "kankyo", "wrong", DESK)
    with app.app_context():
        db.session.execute(update(LoginFailure).values(last_failed_at=utcnow() - LOCK_FOR - timedelta(seconds=1)))
        db.session.commit()
    _attempt(app, "kankyo", "wrong", DESK)
    assert _attempt(app, "kankyo", PASSWORD, DESK)[0] == 302


def test_a_login_id_typed_in_other_cases_counts_as_the_same_id(app, kankyo):
    for login_id in ("kankyo", "KANKYO", " Kankyo", "kankyo ", "KanKyo"):
        _attempt(app, login_id, "wrong", DESK)
    assert "しばらくログインできません" in _attempt(app, "kankyo", PASSWORD, DESK)[1]


def test_ipv6_clients_are_counted_per_64_block(app, kankyo):
    """A machine can take any address of its /64: rotating through them gives no extra tries."""
    for n in range(MAX_FAILURES):
        _attempt(app, "kankyo", "wrong", f"2001:db8:1:2::{n + 1:x}")
    assert "しばらくログインできません" in _attempt(app, "kankyo", PASSWORD, "2001:db8:1:2::ff")[1]
    assert _attempt(app, "kankyo", PASSWORD, "2001:db8:1:3::1")[0] == 302


def test_lockouts_are_audited_without_keeping_what_was_typed(app, kankyo):
    for _ in range(MAX_FAILURES):
        _attempt(app, "kankyo", "wrong", DESK)
        _attempt(app, "s3cret-typed-in-the-id-field", "wrong", DESK)
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.locked")
                                  .order_by(AuditLog.id)).all()
        assert [(r.target_type, r.target_id, r.data["address"]) for r in rows] == [
            ("user", str(kankyo), DESK), ("login", "", DESK)]
        assert rows[0].data["login_id"] == "kankyo"
        assert "s3cret" not in str(rows[1].data)
        stored = " ".join(f"{f.login_key} {f.address}" for f in db.session.scalars(select(LoginFailure)))
        assert "s3cret" not in stored and "kankyo" not in stored


def test_the_first_administrator_of_a_new_installation_is_made_from_the_command_line(app):
    """`flask seed` makes no accounts in production: without this nobody could sign in."""
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-admin", "chief", "--name", "情報 太郎"], input="short\nshort\n")
    assert short.exit_code != 0 and "12文字以上" in short.output
    made = runner.invoke(args=["create-admin", "chief", "--name", "情報 太郎"],
                         input="a-long-secret-phrase\na-long-secret-phrase\n")
    assert made.exit_code == 0 and "管理者 chief（情報 太郎）を作成しました" in made.output
    assert "a-long-secret-phrase" not in made.output  # typed without echo
    assert _sign_in(app, "chief", "a-long-secret-phrase") == 302
    again = runner.invoke(args=["create-admin", "CHIEF", "--name", "x"], env={"MIRAI_ADMIN_PASSWORD": "another-long-one"})
    assert again.exit_code != 0 and "既に使われています" in again.output
    with app.app_context():
        from sqlalchemy import select

        from models import AuditLog, db
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "user.create")) == "user.create"


def test_an_administrator_locked_out_is_let_back_in_from_the_command_line(app):
    with app.app_context():
        make_user("chief", "admin")
    for _ in range(5):
        _sign_in(app, "chief", "wrong")
    result = app.test_cli_runner().invoke(args=["set-password", "chief"],
                                          env={"MIRAI_ADMIN_PASSWORD": "a-new-long-password"})
    assert result.exit_code == 0, result.output
    assert _sign_in(app, "chief", "a-new-long-password") == 302
    missing = app.test_cli_runner().invoke(args=["set-password", "nobody"], env={"MIRAI_ADMIN_PASSWORD": "x" * 12})
    assert missing.exit_code != 0 and "ログインID「nobody」の職員はいません" in missing.output


def _median_sign_in_cpu_seconds(app, login_id: str, password: str) -> float:
    """The work a sign-in costs, as CPU time of this process (the test client answers in it): unlike the
    wall clock, other load on the machine does not change it."""
    import statistics
    import time

    times = []
    for _ in range(3):
        started = time.process_time()
        assert _sign_in(app, login_id, password) == 401
        times.append(time.process_time() - started)
    return statistics.median(times)


def test_the_answer_time_does_not_tell_whether_a_login_id_exists(app):
    """A wrong password for a real account (checked with scrypt) and any password for an unknown or
    deactivated login id take about as long: timing must not reveal the staff accounts."""
    from models import User, db

    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        for login_id, active in (("kankyo", True), ("retired", False)):
            user = User(login_id=login_id, display_name=login_id, role="section_staff", active=active)
            user.set_password("a-long-secret-phrase")  # scrypt, as every real account
            db.session.add(user)
        db.session.commit()
    _sign_in(app, "warm-up", "x")
    real = _median_sign_in_cpu_seconds(app, "kankyo", "wrong")
    assert _median_sign_in_cpu_seconds(app, "nobody", "wrong") > real * 0.5
    assert _median_sign_in_cpu_seconds(app, "retired", "a-long-secret-phrase") > real * 0.5


@pytest.mark.postgres
def test_on_postgresql_the_lockout_and_the_session_records_work_alike(pg_inprocess_app):
    """The production database: counts per (id, address), the lock, a sign-in's session row, sign-out."""
    from models import StaffSession

    app = pg_inprocess_app
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        make_user("kankyo", "section_staff", "生活環境課")
    answers = [_attempt(app, login_id, "wrong", DESK) for login_id in ("kankyo", "nobody")
               for _ in range(MAX_FAILURES + 1)]
    assert answers[:MAX_FAILURES + 1] == answers[MAX_FAILURES + 1:]
    assert "しばらくログインできません" in answers[MAX_FAILURES][1]
    client = app.test_client()
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    assert client.post("/staff/login", data={"login_id": "kankyo", "password": PASSWORD,
                                             "csrf_token": token}).status_code == 302
    assert client.get("/staff/queue").status_code == 200
    copy = client.get_cookie("session").value
    client.post("/staff/logout", data={"csrf_token": csrf_token_from(client.get("/staff/queue").get_data(as_text=True))})
    replay = app.test_client()
    replay.set_cookie("session", copy)
    assert replay.get("/staff/queue").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(StaffSession.end_reason)) == "logout"
        assert len(db.session.scalars(select(LoginFailure)).all()) == 2
