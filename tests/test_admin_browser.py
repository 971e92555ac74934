"""In a real browser: are the admin pages WCAG 2 AA clean, CSP-clean and usable from the keyboard alone?"""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from models import RoutingRule, db
from tests.support import PASSWORD, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PAGES = ("/admin/", "/admin/sections", "/admin/sections/new", "/admin/departments/new", "/admin/users",
         "/admin/users/new", "/admin/rules", "/admin/rules/new", "/admin/settings", "/admin/templates",
         "/admin/templates/new", "/admin/audit", "/admin/audit?tab=events")

pytestmark = pytest.mark.browser


@pytest.fixture
def live_admin(app) -> Iterator[str]:
    """The app served on a free port, with an administrator account."""
    with app.app_context():
        make_user("boss", "admin")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}})
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results.response["violations"]]


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/staff/login")
    page.get_by_label("ログインID").fill("boss")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/**")


def test_admin_pages_have_no_wcag_2_aa_or_csp_violations(live_admin, browser):
    """Does axe find nothing on every admin page (and a form with errors), with no CSP violation logged?"""
    page = browser.new_page(locale="ja-JP")
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    _sign_in(page, live_admin)
    found = {}
    for path in PAGES:
        page.goto(f"{live_admin}{path}")
        found[path] = _violations(page)
    page.goto(f"{live_admin}/admin/users/new")
    page.get_by_role("button", name="保存する").click()
    page.locator("#error-summary").wait_for()
    found["/admin/users/new (errors)"] = _violations(page)
    page.close()
    assert found == {path: [] for path in found}
    assert [e for e in console_errors if "Content Security Policy" in e] == []


def test_an_admin_adds_a_rule_with_the_keyboard_only(app, live_admin, browser):
    """Can a rule be added by typing and Tab/Enter alone, reaching the menu from the staff header?"""
    page = browser.new_page(locale="ja-JP")
    page.set_default_timeout(5000)
    _sign_in(page, live_admin)
    page.goto(f"{live_admin}/admin/templates")
    page.get_by_role("link", name="管理", exact=True).focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="振り分けルール").first.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="ルールを追加").focus()
    page.keyboard.press("Enter")
    page.get_by_label("ルール名").focus()
    page.keyboard.type("カーブミラー")
    page.keyboard.press("Tab")  # 条件の種類: keep キーワード
    page.keyboard.press("Tab")
    page.keyboard.type("カーブミラー")
    page.keyboard.press("Tab")
    for _ in range(40):  # arrow down through the 課 (grouped by 部) to 建設課
        if page.locator("#section_id option:checked").inner_text() == "建設課":
            break
        page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="保存する").focus()
    page.keyboard.press("Enter")
    page.get_by_text("ルール「カーブミラー」を追加しました。").wait_for()
    page.close()
    with app.app_context():
        rule = db.session.scalar(select(RoutingRule))
        assert (rule.name, rule.pattern, rule.section.name) == ("カーブミラー", "カーブミラー", "建設課")
