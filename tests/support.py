"""Helpers for tests: users, sign-in, and the public form driven like a browser would."""
from __future__ import annotations

import re

from sqlalchemy import select

from models import Section, User, db

PASSWORD = "test-password-123"
# Test accounts use a cheap hash so hundreds of sign-ins stay fast; production uses scrypt.
FAST_HASH = "pbkdf2:sha256:1000"


def make_user(login_id: str, role: str, section_name: str | None = None) -> User:
    """Create a user (inside an app context) and return it."""
    section_id = None
    if section_name:
        section_id = db.session.scalar(select(Section.id).where(Section.name == section_name))
    user = User(login_id=login_id, display_name=login_id, role=role, section_id=section_id)
    user.set_password(PASSWORD, method=FAST_HASH)
    db.session.add(user)
    db.session.commit()
    return user


def login(client, login_id: str) -> None:
    """Sign in through the real login form."""
    page = client.get("/staff/login")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/staff/login", data={"login_id": login_id, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return hidden_value(html, "csrf_token")


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden field {name}"
    return match.group(1)


def submit_via_form(client, fields: dict) -> tuple[str, str]:
    """入力 → 確認 → 完了 through the real pages; returns (受付番号, 確認コード)."""
    page = client.get("/voice/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"), **fields}
    confirm = client.post("/voice/new", data=data)
    assert confirm.status_code == 200, confirm.get_data(as_text=True)
    html = confirm.get_data(as_text=True)
    assert "入力内容の確認" in html
    done = client.post("/voice/confirm", data={**data, "csrf_token": csrf_token_from(html), "action": "submit"})
    assert done.status_code == 303
    complete = client.get(done.headers["Location"]).get_data(as_text=True)
    receipt = re.search(r'id="receipt-no">([^<]+)<', complete).group(1)
    code = re.search(r'id="access-code">([^<]+)<', complete).group(1)
    return receipt, code
