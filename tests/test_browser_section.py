"""In a real browser: a section member works a voice from the queue to answered."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Voice, db
from tests.browser_support import sign_in
from tests.section_fixtures import build_world

pytestmark = pytest.mark.browser


def test_section_head_takes_a_voice_from_queue_to_answered(app, live_server, browser):
    with app.app_context():
        world = build_world()
    page = browser.new_page(locale="ja-JP")
    sign_in(page, live_server, "kankyo-head")
    page.get_by_role("heading", name="生活環境課の担当の声").wait_for()
    page.get_by_role("link", name=world.receipt_no).click()
    page.get_by_role("button", name="受理して対応を始める").click()
    page.get_by_text("受理しました。").wait_for()
    page.get_by_label("回答文").fill("ご迷惑をおかけしました。収集業者に時間厳守を指導しました。")
    page.get_by_role("button", name="承認を依頼する").click()
    page.get_by_role("button", name="承認する").click()
    page.get_by_label("送付方法").select_option("phone")
    page.get_by_role("button", name="回答を送付する").click()
    page.get_by_text("回答を送付しました。").wait_for()
    assert "回答済" in page.locator("h1").inner_text()
    page.close()
    with app.app_context():
        voice = db.session.scalar(select(Voice).where(Voice.id == world.voice_id))
        assert voice.status == "answered"
        assert voice.replies[0].method == "phone"
