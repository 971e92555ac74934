"""Can front-desk staff log a consultation quickly, see suggestions while typing, and does every
counter channel end in a routed voice?"""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import Assignment, SimilarVoice, Voice, db, set_setting
from tests.support import csrf_token_from, hidden_value, login, make_user
from voices.intake import submit
from voices.validation import VoiceInput

JST = ZoneInfo("Asia/Tokyo")
GARBAGE = ("燃えるごみの収集日に、集積所のごみが夕方まで回収されずに残っていました。"
           "カラスが袋を破って生ごみが道路に散らかっています。")


def auto_assign(app) -> None:
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()


@pytest.fixture
def counter_client(app, client):
    with app.app_context():
        make_user("madoguchi", "counter", "市民窓口課")
    login(client, "madoguchi")
    return client


def open_form(client, query: str = "") -> tuple[str, dict]:
    html = client.get(f"/staff/counter{query}").get_data(as_text=True)
    return html, {"csrf_token": csrf_token_from(html), "client_token": hidden_value(html, "client_token")}


def post_counter(client, fields: dict, action: str = "save_next"):
    _html, hidden = open_form(client)
    return client.post("/staff/counter", data={**hidden, "channel": "counter", "voice_type": "苦情",
                                               "action": action, **fields})


@pytest.mark.parametrize("channel", ["counter", "phone", "letter", "fax", "email"])
def test_each_counter_channel_ends_in_a_routed_voice_with_its_channel(app, counter_client, channel):
    auto_assign(app)
    response = post_counter(counter_client, {"channel": channel, "body": GARBAGE})
    assert response.status_code == 303
    assert f"channel={channel}" in response.headers["Location"]  # the next entry keeps the road
    with app.app_context():
        voice = db.session.scalar(select(Voice))
        assert voice.channel == channel
        assert voice.status == "assigned" and voice.section.name == "生活環境課"
        assert [e.kind for e in voice.events] == ["received", "classified", "assigned"]
        assert voice.events[0].actor_label == "madoguchi"
        assert voice.created_by_id is not None


def test_the_section_chosen_by_staff_overrides_the_model_and_is_a_label(app, counter_client):
    auto_assign(app)
    post_counter(counter_client, {"channel": "phone", "body": GARBAGE, "section_name": "建設課"})
    with app.app_context():
        voice = db.session.scalar(select(Voice))
        assert voice.section.name == "建設課"
        assert voice.section_confirmed is True
        assert voice.latest_classification.section_name == "生活環境課"  # the model's view is still kept
        assignment = db.session.scalar(select(Assignment).where(Assignment.voice_id == voice.id))
        assert assignment.decided_by == "staff"
        assert voice.events[0].data["chosen_section"] == "建設課"
        assert voice.events[-1].data["decided_by"] == "staff"


def test_save_and_next_shows_the_receipt_for_the_citizen_and_a_fresh_form(app, counter_client):
    response = post_counter(counter_client, {"channel": "phone", "body": GARBAGE, "name": "山田花子",
                                             "phone": "0297-00-0000", "wants_reply": "y"})
    html = counter_client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        voice = db.session.scalar(select(Voice))
        assert voice.submitter_name == "山田花子" and voice.wants_reply
    assert f'id="last-receipt-no">{voice.receipt_no}<' in html
    assert 'id="last-access-code">' in html
    assert '<option value="phone" selected>' in html
    assert GARBAGE not in html  # the next entry starts empty
    assert 'autofocus' in html


def test_a_bad_entry_is_refused_with_messages_and_stores_nothing(app, counter_client):
    future = (datetime.now(JST) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = post_counter(counter_client, {"body": "", "received_at": future, "phone": "12"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "内容を入力してください。" in html
    assert "受付日時が未来になっています" in html
    assert "電話番号は市外局番から" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Voice.id))) == 0


def test_an_earlier_received_time_is_kept(app, counter_client):
    earlier = datetime.now(JST).replace(microsecond=0, second=0) - timedelta(hours=3)
    post_counter(counter_client, {"body": GARBAGE, "received_at": earlier.strftime("%Y-%m-%dT%H:%M")})
    with app.app_context():
        assert db.session.scalar(select(Voice)).received_at == earlier


@pytest.mark.parametrize("received_at", ["0001-01-01 00:00", "1900-01-01 10:00", "1989-12-31 23:59"])
def test_a_received_time_before_1990_is_refused_like_in_imports(app, counter_client, received_at):
    """Is 0001-01-01 (a 500 before) or 1900-01-01 refused in Japanese, with the bound imports use, and nothing stored?"""
    response = post_counter(counter_client, {"body": GARBAGE, "received_at": received_at})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"受付日時（{received_at[:10]}）が古すぎます。1990年以降の日付を入力してください。" in html
    assert GARBAGE in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(Voice.id))) == 0
    assert post_counter(counter_client, {"body": GARBAGE, "received_at": "1990-01-01 00:00"}).status_code == 303


def test_imports_and_the_counter_share_the_earliest_received_date():
    """Do an import row and a counter entry dated 1900-01-01 both fail, and 1990-01-01 both pass?"""
    from voices.importers.reader import RawRow
    from voices.importers.rows import RowParser
    from voices.validation import VoiceInput, validate

    header = ["受付日", "経路", "種別", "内容", "氏名", "連絡先", "地区", "担当課"]
    parser = RowParser("voices", header, section_names={}, created_by_id=None)
    for day, refused in (("1900-01-01", True), ("1990-01-01", False)):
        moment = datetime.fromisoformat(day).replace(tzinfo=JST)
        counter = validate(VoiceInput(body=GARBAGE, voice_type="苦情", channel="counter", received_at=moment))
        row = parser.parse(RawRow(2, [day, "窓口", "苦情", GARBAGE, "", "", "", ""]))
        assert ("received_at" in counter.errors) is refused, day
        assert any(e.startswith("受付日:") for e in row.errors) is refused, (day, row.errors)


def test_the_live_panel_endpoint_suggests_sections_measures_and_similar_voices(app, counter_client):
    auto_assign(app)
    post_counter(counter_client, {"body": GARBAGE})
    _html, hidden = open_form(counter_client)
    response = counter_client.post("/staff/counter/suggest", json={"text": "集積所のごみが回収されずカラスが散らかしています"},
                                   headers={"X-CSRFToken": hidden["csrf_token"]})
    assert response.status_code == 200
    data = response.get_json()
    assert len(data["sections"]) == 3 and data["sections"][0]["name"] == "生活環境課"
    assert all(0.0 <= s["score"] <= 1.0 for s in data["sections"])
    assert isinstance(data["measures"], list) and data["model_version"]
    with app.app_context():
        first = db.session.scalar(select(Voice))
    assert [s["receipt_no"] for s in data["similar"]] == [first.receipt_no]
    short = counter_client.post("/staff/counter/suggest", json={"text": "ごみ"}, headers={"X-CSRFToken": hidden["csrf_token"]})
    assert short.get_json()["sections"] == []


def test_the_live_panel_shows_a_similar_voices_text_only_to_who_may_open_it_and_redacted(app, client):
    """The counter shows personal data to nobody across the desk; a section sees only its own voices."""
    text = "鈴木一郎です。集積所のごみが回収されず、カラスが散らかしています。連絡は090-1234-5678へ。"
    with app.app_context():
        make_user("kankyo", "section_staff", "生活環境課")
        make_user("kensetsu", "section_staff", "建設課")
        auto_assign(app)
        receipt = submit(VoiceInput(body=text, voice_type="苦情", channel="phone", name="鈴木一郎"))
        assert db.session.get(Voice, receipt.voice_id).section.name == "生活環境課"
    shown = {}
    for login_id in ("kankyo", "kensetsu"):
        staff = app.test_client()
        login(staff, login_id)
        _html, hidden = open_form(staff)
        response = staff.post("/staff/counter/suggest", json={"text": "集積所のごみが回収されずカラスが散らかしています"},
                              headers={"X-CSRFToken": hidden["csrf_token"]})
        [item] = [s for s in response.get_json()["similar"] if s["receipt_no"] == receipt.receipt_no]
        shown[login_id] = item
        page = staff.post("/staff/counter", data={**hidden, "channel": "counter", "voice_type": "苦情",
                                                  "body": "集積所のごみが回収されずカラスが散らかしています",
                                                  "action": "suggest"}).get_data(as_text=True)
        assert "鈴木" not in page and "090-1234-5678" not in page
    assert shown["kankyo"]["visible"] and "集積所のごみ" in shown["kankyo"]["snippet"]
    assert "鈴木" not in shown["kankyo"]["snippet"] and "090-1234-5678" not in shown["kankyo"]["snippet"]
    assert shown["kensetsu"]["visible"] is False and shown["kensetsu"]["snippet"] == ""


def test_the_live_panel_endpoint_needs_the_csrf_token_and_a_staff_login(app, client, counter_client):
    assert counter_client.post("/staff/counter/suggest", json={"text": GARBAGE}).status_code == 400
    anonymous = app.test_client()
    assert anonymous.post("/staff/counter/suggest", json={"text": GARBAGE}).status_code in (302, 400, 401)


@pytest.mark.parametrize("body", [["text"], 42, "just a string", None])
def test_the_live_panel_endpoint_refuses_json_that_is_not_an_object(app, counter_client, body):
    """Is a JSON array (a 500 before), number or string answered 400 with the Japanese field message?"""
    _html, hidden = open_form(counter_client)
    response = counter_client.post("/staff/counter/suggest", json=body, headers={"X-CSRFToken": hidden["csrf_token"]})
    assert response.status_code == 400
    assert response.get_json() == {"error": "validation_error", "fields": {"text": ["文字列で指定してください。"]}}


def test_without_javascript_the_suggestions_come_with_the_page_and_nothing_is_stored(app, counter_client):
    response = post_counter(counter_client, {"body": GARBAGE}, action="suggest")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-section="生活環境課"' in html
    assert GARBAGE in html  # what was typed stays in the form
    with app.app_context():
        assert db.session.scalar(select(func.count(Voice.id))) == 0


def test_a_planner_cannot_use_the_counter(app, client):
    with app.app_context():
        make_user("kikaku", "planner", "企画政策課")
    login(client, "kikaku")
    assert client.get("/staff/counter").status_code == 403


def test_similar_voices_are_linked_at_intake_and_shown_to_staff(app, counter_client):
    auto_assign(app)
    post_counter(counter_client, {"body": GARBAGE})
    post_counter(counter_client, {"body": "集積所のごみが夕方まで回収されずに残っていて、カラスが袋を破って散らかしています。"})
    post_counter(counter_client, {"body": "図書館の開館時間を夜まで延ばしてほしいです。仕事帰りに寄れません。"})
    with app.app_context():
        first, second, _third = db.session.scalars(select(Voice).order_by(Voice.id)).all()
        links = db.session.scalars(select(SimilarVoice)).all()
        assert [(link.voice_id, link.similar_voice_id) for link in links] == [(second.id, first.id)]
        assert links[0].score > 0.5
        second_id, first_no = second.id, first.receipt_no
    html = counter_client.get(f"/staff/voices/{second_id}").get_data(as_text=True)
    assert 'id="similar-voices"' in html and first_no in html


def test_a_consultation_typed_on_a_form_left_open_too_long_is_not_lost(app, counter_client):
    """Counter staff keep the form open all day: when its CSRF token has expired, is what they typed shown
    again with a notice, and nothing stored, instead of an error page that loses it?"""
    _html, hidden = open_form(counter_client)
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    time.sleep(2)
    body = "市民窓口の待ち時間が長いので、番号札の呼び出し状況をウェブで見られるようにしてほしい。"
    response = counter_client.post("/staff/counter", data={**hidden, "channel": "phone", "voice_type": "要望",
                                                          "name": "窓口 花子", "body": body, "action": "save_next"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "時間がたったため、保存できませんでした" in html
    assert body in html and 'value="窓口 花子"' in html
    assert re.search(r'<option value="phone"\s+selected', html)
    with app.app_context():
        assert db.session.scalar(select(func.count(Voice.id))) == 0


def test_an_expired_counter_form_from_someone_signed_out_shows_only_the_error_page(app, client):
    """Is the counter form (its 課 and meetings) shown again after a CSRF failure only to staff who may use it?"""
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    response = client.post("/staff/counter", data={"csrf_token": "expired", "body": "テスト"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "画面の有効期限が切れました" in html and "counter-form" not in html
