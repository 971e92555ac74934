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
