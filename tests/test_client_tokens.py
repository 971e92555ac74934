"""Is a submission's token only a double-click guard: never a way to another voice's receipt, never a
reason to lose what a citizen sent?"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from models import Voice, db
from tests.support import csrf_token_from, hidden_value, login, make_user
from voices.importers.rows import content_key
from voices.intake import TOKEN_REUSED, submit
from voices.validation import VoiceInput

REMARK = "駅前の駐輪場が足りません。増設を検討してください。"


def _send(client, token: str, body: str) -> tuple[str, str]:
    """入力 → 確認 → 完了 with a chosen hidden token; returns the (受付番号, 確認コード) shown."""
    page = client.get("/voice/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "client_token": token, "voice_type": "要望", "body": body,
            "consent_privacy": "y"}
    done = client.post("/voice/confirm", data={**data, "action": "submit"})
    assert done.status_code == 303, done.get_data(as_text=True)
    complete = client.get(done.headers["Location"]).get_data(as_text=True)
    return (re.search(r'id="receipt-no">([^<]+)<', complete).group(1),
            re.search(r'id="access-code">([^<]+)<', complete).group(1))


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Voice.id)))


def test_the_form_cannot_name_another_channels_voice_by_its_token(app, client):
    """An imported remark's token is a hash of its published content; the form's tokens live apart."""
    with app.app_context():
        key = content_key("meeting", "地区懇談会", "2026-05-20", "市民", "小絹", "要望", REMARK)
        theirs = submit(VoiceInput(body=REMARK, voice_type="要望", channel="meeting", client_token=key))
        short = submit(VoiceInput(body=REMARK, voice_type="要望", channel="web", consent_privacy=True,
                                  client_token="demo-000000000003"))
    for token in (key, "demo-000000000003", key[:40]):
        receipt, code = _send(client, token, REMARK)
        assert receipt not in (theirs.receipt_no, short.receipt_no)
        assert code not in (theirs.access_code, short.access_code)
    assert _count(app) == 5


def test_a_double_click_gives_one_voice_and_an_edited_resend_a_second(app, client):
    page = client.get("/voice/new").get_data(as_text=True)
    token = hidden_value(page, "client_token")
    first = _send(client, token, "最初の内容です。公園の草が伸びています。")
    assert _send(client, token, "最初の内容です。公園の草が伸びています。") == first  # a double click
    edited = _send(client, token, "書き直しました。公園の草刈りをお願いします。")  # back, edit, send again
    assert edited[0] != first[0]
    with app.app_context():
        bodies = set(db.session.scalars(select(Voice.body)))
    assert bodies == {"最初の内容です。公園の草が伸びています。", "書き直しました。公園の草刈りをお願いします。"}


def test_the_counter_keeps_its_tokens_apart_too(app, client):
    with app.app_context():
        make_user("madoguchi", "counter", "市民窓口課")
        web = submit(VoiceInput(body=REMARK, voice_type="要望", channel="counter",
                                client_token="web-" + "a" * 32))
    login(client, "madoguchi")
    page = client.get("/staff/counter").get_data(as_text=True)
    saved = client.post("/staff/counter", data={
        "csrf_token": csrf_token_from(page), "client_token": "a" * 32, "channel": "counter", "voice_type": "要望",
        "body": REMARK, "action": "save_next"})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with app.app_context():
        tokens = set(db.session.scalars(select(Voice.client_token)))
    assert web.voice_id and len(tokens) == 2 and "staff-" + "a" * 32 in tokens


def test_the_api_refuses_a_token_reused_for_another_text(app, client):
    voice = {"voice_type": "要望", "body": REMARK, "consent_privacy": True, "client_token": "form-service-000042"}
    first = client.post("/api/v1/voices", json=voice)
    assert first.status_code == 201
    again = client.post("/api/v1/voices", json=voice)
    assert again.status_code == 200 and again.get_json()["receipt_no"] == first.get_json()["receipt_no"]
    other = client.post("/api/v1/voices", json={**voice, "body": "別の内容です。道路の穴を直してください。"})
    assert other.status_code == 400
    assert other.get_json()["fields"] == {"client_token": [TOKEN_REUSED]}
    assert first.get_json()["access_code"] not in other.get_data(as_text=True)
    assert _count(app) == 1
