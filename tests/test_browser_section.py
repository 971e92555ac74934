"""In a real browser: a section member works a voice from the queue to answered, and the citizen reads the answer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Voice, db
from tests.browser_support import NARROWEST, horizontal_overflow, sign_in
from tests.section_fixtures import build_world

pytestmark = pytest.mark.browser


ANSWER = ("ご迷惑をおかけしました。収集業者に時間厳守を指導しました。収集日は "
          "https://www.city.tsukubamirai.lg.jp/soshiki/seikatsukankyo/gomi/calendar_2026.html でご確認いただけます。")


def test_section_head_takes_a_voice_from_queue_to_answered(app, live_server, browser):
    """Can the section head accept, answer, approve and send, and can the citizen then read the answer, a URL
    in it, on a 320 CSS px screen without scrolling sideways?"""
    with app.app_context():
        world = build_world()
    page = browser.new_page(locale="ja-JP")
    sign_in(page, live_server, "kankyo-head")
    page.get_by_role("heading", name="生活環境課の担当の声").wait_for()
    page.get_by_role("link", name=world.receipt_no).click()
    page.get_by_role("button", name="受理して対応を始める").click()
    page.get_by_text("受理しました。").wait_for()
    page.get_by_label("回答文").fill(ANSWER)
    page.get_by_role("button", name="承認を依頼する").click()
    page.get_by_role("button", name="承認する").click()
    page.get_by_label("送付方法").select_option("phone")
    page.get_by_role("button", name="回答を送付する").click()
    page.get_by_text("回答を送付しました。").wait_for()
    assert "回答済" in page.locator("h1").inner_text()
    page.close()
    citizen = browser.new_page(locale="ja-JP", viewport=NARROWEST)
    citizen.goto(f"{live_server}/status")
    citizen.get_by_label("受付番号").fill(world.receipt_no)
    citizen.get_by_label("確認コード").fill(world.access_code)
    with citizen.expect_navigation():  # measured once the stylesheet has loaded
        citizen.get_by_role("button", name="確認する").click()
    answer = citizen.locator("#answer").inner_text()
    overflow = horizontal_overflow(citizen)
    citizen.close()
    assert (answer, overflow) == (ANSWER, 0)
    with app.app_context():
        voice = db.session.scalar(select(Voice).where(Voice.id == world.voice_id))
        assert voice.status == "answered"
        assert voice.replies[0].method == "phone"
