"""In a real browser: does the counter form show the live suggestion panel while staff type, and can
it be used from the keyboard alone?"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Voice, db, set_setting
from tests.browser_support import axe_violations, layout_problems, sign_in
from tests.support import make_user
from voices.intake import submit
from voices.validation import VoiceInput

pytestmark = pytest.mark.browser

EARLIER = "燃えるごみの集積所のごみが回収されずに残っていて、カラスが袋を破って散らかしています。"
TYPED = "集積所のごみが回収されていません。カラスが散らかしていて困っています。"


def test_the_live_panel_suggests_sections_and_similar_voices_and_ctrl_enter_saves(app, live_server, browser):
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()
        make_user("madoguchi", "counter", "市民窓口課")
        earlier = submit(VoiceInput(body=EARLIER, voice_type="苦情", channel="phone")).receipt_no
    page = browser.new_page(locale="ja-JP")
    sign_in(page, live_server, "madoguchi")
    page.goto(f"{live_server}/staff/counter")
    assert page.evaluate("document.activeElement.id") == "channel"  # the first field has the focus
    assert page.get_by_role("button", name="担当課の候補を表示").is_hidden()  # the script replaces it

    page.keyboard.press("ArrowDown")  # 窓口 → 電話, without the mouse
    page.get_by_label("内容").fill(TYPED)
    sections = page.locator("#suggest-sections li")
    sections.first.wait_for()
    assert sections.count() == 3
    assert "生活環境課" in sections.first.inner_text()
    page.locator("#suggest-similar li").first.wait_for()
    assert earlier in page.locator("#suggest-similar").inner_text()
    assert page.locator("#suggest-status").inner_text().startswith("モデル")

    page.locator("#suggest-sections button[data-section]").first.click()
    assert page.locator("#section_name").input_value() == "生活環境課"
    assert axe_violations(page) == []
    assert layout_problems(page) == []  # the form and its filled panel, from 320 CSS px to a desktop

    page.get_by_label("内容").press("Control+Enter")
    page.locator("#last-receipt-no").wait_for()
    saved = page.locator("#last-receipt-no").inner_text()
    assert page.get_by_label("内容").input_value() == ""
    page.close()
    with app.app_context():
        voice = db.session.scalar(select(Voice).where(Voice.receipt_no == saved))
        assert (voice.channel, voice.chosen_section_name, voice.section.name) == ("phone", "生活環境課", "生活環境課")
        assert voice.section_confirmed


def test_staff_whose_session_ended_while_typing_are_told_and_get_their_text_back_after_signing_in(
        app, live_server, browser):
    """The counter form was left open past the idle limit: do staff learn, while typing, that saving leads
    to the sign-in page, and does signing in there bring back the form as typed, saved only when they save?
    (The browser's own Origin / Sec-Fetch-Site headers are what lets the text be carried.)"""
    import time

    from tests.support import PASSWORD

    with app.app_context():
        make_user("madoguchi", "counter", "市民窓口課")
    page = browser.new_page(locale="ja-JP")
    sign_in(page, live_server, "madoguchi")
    page.goto(f"{live_server}/staff/counter")
    app.config["SESSION_IDLE_MINUTES"] = 0  # any unused second now ends the session
    time.sleep(1.2)
    page.get_by_label("内容").fill(TYPED)
    alert = page.locator("#suggest-status[role=alert]")
    alert.wait_for()
    assert "ログアウトしています" in alert.inner_text() and "入力した内容のまま" in alert.inner_text()
    assert page.get_by_label("内容").input_value() == TYPED
    app.config["SESSION_IDLE_MINUTES"] = 240

    with page.expect_navigation():
        page.get_by_role("button", name="保存して次の受付へ").click()
    assert "まだ登録されていません" in page.locator("[role=status]").inner_text()
    assert axe_violations(page) == []
    page.get_by_label("ログインID").fill("madoguchi")
    page.get_by_label("パスワード").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()
    assert page.get_by_label("内容").input_value() == TYPED
    with app.app_context():
        assert db.session.scalar(select(Voice.id)) is None
    with page.expect_navigation():
        page.get_by_role("button", name="保存して次の受付へ").click()
    page.close()
    with app.app_context():
        assert db.session.scalar(select(Voice.body)) == TYPED
