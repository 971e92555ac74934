"""Is staff sign-in protected against guessing?"""
from __future__ import annotations

from tests.support import PASSWORD, csrf_token_from, make_user


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
    client = app.test_client()
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    return client.post("/staff/login", data={"login_id": login_id, "password": password,
                                             "csrf_token": token}).status_code


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
