"""An administrator issues an API token on the admin page, an integration uses it, and revoking it
locks the integration out at once."""
from __future__ import annotations

import re

from sqlalchemy import select

from models import ApiToken, AuditLog, db
from tests.support import csrf_token_from, login, make_user


def _issue(client, **fields):
    token = csrf_token_from(client.get("/admin/api-tokens").get_data(as_text=True))
    return client.post("/admin/api-tokens", data={"csrf_token": token, **fields})


def test_a_token_issued_on_the_page_is_shown_once_works_and_stops_working_when_revoked(app):
    with app.app_context():
        make_user("admin1", "admin")
    client = app.test_client()
    login(client, "admin1")

    response = _issue(client, name="電子申請サービス", scopes=["voices:read"])
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = re.search(r'id="token-value"[^>]*value="(mv_[^"]+)"', html).group(1)
    assert "この画面を閉じると二度と表示できません" in html

    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "電子申請サービス"))
        assert row.scopes == ["voices:read"]
        assert secret not in (row.token_hash, row.prefix) and secret.startswith(row.prefix)
        token_id = row.id
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "api_token.issue")) is not None

    # The list shows the token by name and prefix, never the secret again.
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "電子申請サービス" in listing and secret not in listing

    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/staff/voices?section=生活環境課", headers=headers).status_code == 200
    # The scope not granted is refused.
    created = api.post("/api/v1/staff/voices", headers=headers,
                       json={"channel": "mail", "voice_type": "要望", "body": "道路の穴を直してほしい。"})
    assert created.status_code == 403

    revoke = client.post(f"/admin/api-tokens/{token_id}/revoke",
                         data={"csrf_token": csrf_token_from(listing)})
    assert revoke.status_code == 303
    assert api.get("/api/v1/staff/voices?section=生活環境課", headers=headers).status_code == 401
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "api_token.revoke")) is not None


def test_a_token_needs_a_name_and_a_scope(app):
    with app.app_context():
        make_user("admin1", "admin")
    client = app.test_client()
    login(client, "admin1")
    response = _issue(client, name="　")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "連携先の名前を入力してください。" in html
    assert "権限を1つ以上選んでください。" in html
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None
