"""Do remarks made at a meeting (会合) become routed voices linked to that meeting?"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import Meeting, Voice, db, set_setting
from tests.support import csrf_token_from, hidden_value, login, make_user

JST = ZoneInfo("Asia/Tokyo")
REMARK = "駅までのバスの本数が少なく、朝の通勤に使えません。朝の便を増やしてほしいです。"


def _staff(app, client, role="hearing", section="秘書広報課"):
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()
        make_user("koucho", role, section)
    login(client, "koucho")


def _create_meeting(client, **fields) -> object:
    page = client.get("/staff/meetings").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "name": "令和8年度 第1回タウンミーティング", "kind": "タウンミーティング",
            "held_on": "2026-05-20", "place": "伊奈公民館", **fields}
    return client.post("/staff/meetings", data=data)


def test_a_remark_at_a_meeting_is_a_routed_voice_linked_to_it(app, client):
    _staff(app, client)
    created = _create_meeting(client)
    assert created.status_code == 303
    page_url = created.headers["Location"]
    page = client.get(page_url).get_data(as_text=True)
    response = client.post(page_url, data={
        "csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"),
        "speaker_category": "市民", "district": "伊奈", "voice_type": "要望", "body": REMARK,
    })
    assert response.status_code == 303
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        voice = db.session.scalar(select(Voice))
        assert (meeting.kind, meeting.held_on, meeting.place) == ("タウンミーティング", date(2026, 5, 20), "伊奈公民館")
        assert voice.channel == "meeting" and voice.meeting_id == meeting.id
        assert voice.speaker_category == "市民" and voice.district == "伊奈"
        assert voice.received_at.astimezone(JST).date() == date(2026, 5, 20)
        assert voice.status == "assigned"
        assert [e.kind for e in voice.events] == ["received", "classified", "assigned"]
        assert voice.events[0].data["meeting_id"] == meeting.id
        receipt_no, voice_id = voice.receipt_no, voice.id
    page = client.get(page_url).get_data(as_text=True)
    assert receipt_no in page and 'id="remark-count">1件' in page
    voice_page = client.get(f"/staff/voices/{voice_id}").get_data(as_text=True)
    assert 'id="voice-meeting"' in voice_page and "第1回タウンミーティング" in voice_page


def test_a_meeting_needs_a_name_and_a_date_and_is_not_registered_twice(app, client):
    _staff(app, client)
    bad = _create_meeting(client, name="", held_on="5月20日")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "名称を入力してください。" in html and "開催日を入力してください" in html
    assert _create_meeting(client).status_code == 303
    again = _create_meeting(client)
    assert again.status_code == 422 and "既に登録されています" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Meeting.id))) == 1


@pytest.mark.parametrize("held_on", ["2026/5/20", "2026-5-20", "２０２６/５/２０", "2026/05/20"])
def test_a_meeting_date_may_be_written_without_zero_padding(app, client, held_on):
    """Is 2026/5/20 (refused before) read as 2026-05-20, like 2026/05/20 and 全角 digits?"""
    _staff(app, client)
    assert _create_meeting(client, held_on=held_on).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Meeting.held_on)) == date(2026, 5, 20)


def test_a_meeting_before_1990_is_refused_on_its_date(app, client):
    """Is 開催日 0001-01-01 (accepted before, then a 500 on its first remark) refused next to the field?"""
    _staff(app, client)
    response = _create_meeting(client, held_on="0001-01-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "開催日（0001-01-01）が古すぎます。1990年以降の日付を入力してください。" in html
    assert 'id="held_on-error"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_a_meeting_in_the_future_is_refused_when_it_is_created(app, client):
    """Is a 開催日 of the day after tomorrow refused at creation, instead of refusing every remark later?"""
    _staff(app, client)
    later = (datetime.now(JST) + timedelta(days=2)).date()
    response = _create_meeting(client, held_on=later.isoformat())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "開催日が未来になっています。" in html and 'id="held_on-error"' in html
    today = datetime.now(JST).date()
    assert _create_meeting(client, held_on=today.isoformat()).status_code == 303  # today is fine
    with app.app_context():
        assert db.session.scalar(select(Meeting.held_on)) == today


def test_a_remark_refused_for_its_date_names_the_field_in_japanese(app, client):
    """If a stored meeting lies in the future, does the remark error say 受付日時（開催日）, not received_at?"""
    _staff(app, client)
    with app.app_context():
        meeting = Meeting(name="来月の会合", kind="タウンミーティング",
                          held_on=(datetime.now(JST) + timedelta(days=30)).date())
        db.session.add(meeting)
        db.session.commit()
        page_url = f"/staff/meetings/{meeting.id}"
    page = client.get(page_url).get_data(as_text=True)
    response = client.post(page_url, data={
        "csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"),
        "voice_type": "要望", "body": REMARK})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "受付日時（開催日）：受付日時が未来になっています。" in html and "received_at：" not in html


def test_the_counter_form_links_a_voice_to_a_meeting_only_with_the_meeting_channel(app, client):
    _staff(app, client, role="counter", section="市民窓口課")
    _create_meeting(client)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    page = client.get(f"/staff/counter?meeting_id={meeting_id}").get_data(as_text=True)
    assert '<option value="meeting" selected>' in page
    base = {"csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"),
            "voice_type": "意見", "body": REMARK, "meeting_id": str(meeting_id), "action": "save_next"}
    wrong = client.post("/staff/counter", data={**base, "channel": "phone"})
    assert wrong.status_code == 422 and "会合に結び付ける声の受付経路" in wrong.get_data(as_text=True)
    right = client.post("/staff/counter", data={**base, "channel": "meeting"})
    assert right.status_code == 303 and f"meeting_id={meeting_id}" in right.headers["Location"]
    with app.app_context():
        voice = db.session.scalar(select(Voice))
        assert voice.channel == "meeting" and voice.meeting_id == meeting_id
