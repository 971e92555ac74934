"""In a real browser: can section staff search their queue (in kana too) and open a voice, on pages that
axe finds nothing wrong with?"""
from __future__ import annotations

import pytest

from tests.browser_support import axe_violations, sign_in
from tests.section_fixtures import build_world, routed_voice

pytestmark = pytest.mark.browser

BICYCLES = "駅前の駐輪場に放置自転車が何十台もあって、通路がふさがれています。撤去をお願いします。"


def test_staff_search_the_queue_in_kana_and_open_a_voice(app, live_server, browser):
    with app.app_context():
        world = build_world()
        _, bicycles, _ = routed_voice(BICYCLES, voice_type="要望")
    page = browser.new_page(locale="ja-JP")
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, "admin")  # sees every 課's voices, whichever the model chose
    page.wait_for_url("**/staff/**")

    page.goto(f"{live_server}/staff/queue")
    found = {"/staff/queue": axe_violations(page)}
    search = page.get_by_label("キーワード・受付番号")
    assert "すべての語を含む" in page.locator(f"#{search.get_attribute('aria-describedby')}").inner_text()
    search.fill("じてんしゃ")
    search.press("Enter")
    page.wait_for_url("**q=*")
    listed = page.locator("table.voices tbody").inner_text()
    assert bicycles in listed and world.receipt_no not in listed
    assert page.locator("table.voices tbody mark").first.inner_text() == "自転車"  # why it matched
    found["/staff/queue?q=じてんしゃ"] = axe_violations(page)

    page.get_by_role("link", name=bicycles).click()
    page.wait_for_url("**/staff/voices/*")
    body = page.locator("dd.pre").first
    assert "放置自転車" in body.inner_text()
    marked = body.locator("mark").all_inner_texts()  # the explanation's terms, where the text shows them
    terms = page.get_by_text("根拠となった語").inner_text().split("：")[1].split("（")[0].split("、")
    assert marked and set(marked) <= set(terms), (marked, terms)
    found["/staff/voices/<id>"] = axe_violations(page)
    page.close()
    assert found == {path: [] for path in found}
    assert [e for e in console_errors if "Content Security Policy" in e] == []
