"""Can anyone but an administrator open or post to /admin/…? (every admin route × every role)"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Department, ReplyTemplate, RoutingRule, Section, User, db
from tests.support import csrf_token_from, login, make_user
from web.api.tokens import issue_token

OTHER_ROLES = {
    "hearing": "秘書広報課",
    "counter": "市民窓口課",
    "section_staff": "生活環境課",
    "section_head": "生活環境課",
    "planner": "企画政策課",
}


def _admin_urls(app) -> list[tuple[str, str]]:
    """(method, url) for every route of the admin blueprint, with ids of real rows filled in."""
    with app.app_context():
        target = make_user("target", "section_staff", "建設課")
        section = db.session.scalar(select(Section).where(Section.name == "建設課"))
        rule = RoutingRule(name="道路", pattern="道路", section_id=section.id)
        template = ReplyTemplate(title="お礼", body="ご意見ありがとうございます。")
        db.session.add_all([rule, template])
        db.session.commit()
        api_token, _secret = issue_token("電子申請", all_sections=True)
        ids = {"token_id": api_token.id, "user_id": target.id, "section_id": section.id, "rule_id": rule.id, "template_id": template.id,
               "department_id": db.session.scalar(select(Department.id).limit(1))}
    urls = []
    for url_rule in app.url_map.iter_rules():
        if not url_rule.endpoint.startswith("admin."):
            continue
        url = re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), url_rule.rule)
        urls += [(method, url) for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"})]
    urls.append(("GET", "/admin/audit?tab=events"))
    return urls


def test_the_admin_blueprint_covers_every_page_of_the_brief(app):
    """Are all administrator areas routed (so the matrix below really covers them)?"""
    paths = {url for _method, url in _admin_urls(app)}
    for prefix in ("/admin/sections", "/admin/departments", "/admin/users", "/admin/rules", "/admin/settings",
                   "/admin/templates", "/admin/api-tokens", "/admin/audit"):
        assert any(p.startswith(prefix) for p in paths), prefix


@pytest.mark.parametrize("role", sorted(OTHER_ROLES))
def test_a_non_admin_gets_403_on_every_admin_route(app, role):
    """Can hearing / counter / section staff / section head / planner open or post to any /admin URL? No."""
    urls = _admin_urls(app)
    with app.app_context():
        make_user("someone", role, OTHER_ROLES[role])
    client = app.test_client()
    login(client, "someone")
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    for method, url in urls:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, "name": "x", "text": "道路"})
        assert response.status_code == 403, (role, method, url, response.status_code)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.login_id == "target")).active  # nothing changed


def test_anonymous_visitors_are_sent_to_the_login_page(app):
    """Does an anonymous visitor reach any /admin URL? No: every one redirects to sign-in."""
    client = app.test_client()
    for method, url in _admin_urls(app):
        response = client.open(url, method=method)
        if method == "POST":
            # CSRF runs before sign-in for a POST without a token; either way nothing is done.
            assert response.status_code in (302, 400), (method, url)
            continue
        assert response.status_code == 302, (method, url)
        assert "/staff/login" in response.headers["Location"]


def test_an_admin_can_open_every_admin_page(app):
    """Does every GET page of the admin blueprint render for an administrator (with the 管理 link)?"""
    urls = _admin_urls(app)
    with app.app_context():
        make_user("boss", "admin")
    client = app.test_client()
    login(client, "boss")
    for method, url in urls:
        if method != "GET":
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.get_data(as_text=True)
        assert 'href="/admin/"' in html and "管理メニュー" in html
        assert "<script" not in html and "style=" not in html  # the CSP forbids inline scripts and styles
        assert "pbkdf2" not in html and "scrypt" not in html  # never a password hash


def test_only_admins_see_the_admin_link_in_the_staff_menu(app):
    """Is the 管理 link shown to section staff? No."""
    with app.app_context():
        make_user("kankyo", "section_staff", "生活環境課")
    client = app.test_client()
    login(client, "kankyo")
    page = client.get("/staff/login").get_data(as_text=True)  # any page with the staff menu
    assert "ログアウト" in page and 'href="/admin/"' not in page
