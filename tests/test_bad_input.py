"""Does bad input get a clear Japanese message, lose nothing the citizen typed, and store nothing half-done?"""
from __future__ import annotations

import re

from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from models import Voice, VoiceEvent, db
from tests.section_fixtures import routed_voice
from tests.support import csrf_token_from, hidden_value, login, make_user, submit_via_form
from voices.pii import MY_NUMBER_MASK


def _voice_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Voice.id)))


def _post_input(client, **fields):
    page = client.get("/voice/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"), **fields}
    return client.post("/voice/new", data=data)


def test_empty_body_is_refused_with_a_message(app, client):
    response = _post_input(client, voice_type="要望", body="   \n  ", consent_privacy="y")
    assert response.status_code == 422
    assert "内容を入力してください。" in response.get_data(as_text=True)
    assert _voice_count(app) == 0


def test_4001_characters_are_refused_and_4000_accepted(app, client):
    response = _post_input(client, voice_type="意見", body="あ" * 4001, consent_privacy="y")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "内容は4,000文字以内で入力してください（現在4,001文字）。" in html
    assert "あ" * 4001 in html  # what was typed is kept in the form
    receipt, _ = submit_via_form(client, {"voice_type": "意見", "body": "い" * 4000, "consent_privacy": "y"})
    with app.app_context():
        assert len(db.session.scalar(select(Voice).where(Voice.receipt_no == receipt)).body) == 4000


def test_missing_consent_is_refused(app, client):
    response = _post_input(client, voice_type="要望", body="公園にベンチを増やしてください")
    assert response.status_code == 422
    assert "個人情報の取扱いに同意してください。" in response.get_data(as_text=True)
    assert _voice_count(app) == 0


def test_reply_wanted_without_contact_is_refused(app, client):
    response = _post_input(client, voice_type="要望", body="回答ください", wants_reply="y", consent_privacy="y")
    assert "メールアドレスか電話番号を入力してください" in response.get_data(as_text=True)


def test_bad_csrf_token_stores_nothing_and_keeps_the_text(app, client):
    page = client.get("/voice/new").get_data(as_text=True)
    data = {"csrf_token": "forged", "client_token": hidden_value(page, "client_token"),
            "voice_type": "苦情", "body": "長い文章を書いたのに消えたら困ります", "consent_privacy": "y",
            "action": "submit"}
    response = client.post("/voice/confirm", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "もう一度「確認画面へ」を押してください" in html
    assert "長い文章を書いたのに消えたら困ります" in html
    assert _voice_count(app) == 0


def test_wrong_receipt_and_code_pair_shows_nothing(app, client):
    receipt, code = submit_via_form(client, {"voice_type": "問合せ", "body": "粗大ごみの出し方を教えて",
                                             "consent_privacy": "y"})
    token = csrf_token_from(client.get("/status").get_data(as_text=True))
    wrong_code = client.post("/status", data={"receipt_no": receipt, "access_code": "ZZZZZZZZ", "csrf_token": token})
    wrong_number = client.post("/status", data={"receipt_no": "2026-999999", "access_code": code, "csrf_token": token})
    for response in (wrong_code, wrong_number):
        html = response.get_data(as_text=True)
        assert "受付番号または確認コードが正しくありません" in html
        assert "status-label" not in html
    right = client.post("/status", data={"receipt_no": receipt, "access_code": code.lower(), "csrf_token": token})
    assert 'id="status-label"' in right.get_data(as_text=True)


def test_a_my_number_is_masked_before_it_is_stored(app, client):
    receipt, _ = submit_via_form(client, {
        "voice_type": "問合せ", "consent_privacy": "y",
        "body": "マイナンバーは１２３４ ５６７８ ９０１８です。カードの更新について教えてください。",
        "subject": "番号 123456789018 の件",
    })
    with app.app_context():
        voice = db.session.scalar(select(Voice).where(Voice.receipt_no == receipt))
        assert voice.body == f"マイナンバーは{MY_NUMBER_MASK}です。カードの更新について教えてください。"
        assert voice.subject == f"番号 {MY_NUMBER_MASK} の件"
        received = voice.events[0]
        assert received.data["my_numbers_masked"] == 2
        for column in (voice.body, voice.subject, str(received.data)):
            assert "9018" not in column and "９０１８" not in column


def test_a_my_number_hidden_by_invisible_characters_is_masked_too(app, client):
    """Zero-width spaces and word joiners are dropped at intake; the API stores what the form would."""
    hidden = "1234\u200b5678\u20609018"
    response = client.post("/api/v1/voices", json={
        "voice_type": "問合せ", "consent_privacy": True, "body": f"番号は{hidden}です。\u00ad通知カードの件。"})
    assert response.status_code == 201, response.get_data(as_text=True)
    with app.app_context():
        voice = db.session.scalar(select(Voice))
        assert voice.body == f"番号は{MY_NUMBER_MASK}です。通知カードの件。"


def test_a_body_of_invisible_characters_only_is_empty(app, client):
    response = _post_input(client, voice_type="要望", body="\u200b\u200b\u2060\u00ad", consent_privacy="y")
    assert response.status_code == 422
    assert "内容を入力してください。" in response.get_data(as_text=True)
    assert _voice_count(app) == 0


def test_control_characters_and_html_are_stored_safely_and_displayed_escaped(app, client):
    hostile = '<script>alert("x")</script>\x00\x07\x1b<b>太字</b>'
    receipt, _ = submit_via_form(client, {
        "voice_type": "意見", "consent_privacy": "y", "subject": hostile, "body": "本文" + hostile,
        "name": hostile, "district": hostile, "phone": "029-000-0000",
    })
    with app.app_context():
        voice = db.session.scalar(select(Voice).where(Voice.receipt_no == receipt))
        for value in (voice.subject, voice.body, voice.submitter_name, voice.district):
            assert "\x00" not in value and "\x07" not in value and "\x1b" not in value
            assert '<script>alert("x")</script>' in value  # kept as text, not interpreted
        voice_id = voice.id
        make_user("hearing", "hearing", "秘書広報課")
    staff = app.test_client()
    login(staff, "hearing")
    html = staff.get(f"/staff/voices/{voice_id}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_double_submission_stores_one_voice(app, client):
    page = client.get("/voice/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"),
            "voice_type": "要望", "body": "歩道の段差をなくしてほしい", "consent_privacy": "y", "action": "submit"}
    first = client.post("/voice/confirm", data=data)
    second = client.post("/voice/confirm", data=data)
    assert first.status_code == second.status_code == 303
    assert _voice_count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(VoiceEvent.id)).where(VoiceEvent.kind == "received")) == 1


def test_events_cannot_be_changed(app, client):
    import pytest

    from models import AppendOnlyError

    submit_via_form(client, {"voice_type": "感謝", "body": "ありがとう", "consent_privacy": "y"})
    with app.app_context():
        event = db.session.scalar(select(VoiceEvent))
        event.kind = "tampered"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()


def test_a_receipt_number_typed_without_its_hyphen_or_with_another_dash_is_found(app, client):
    """Does /status find 2026000071 (an iOS number pad has no hyphen), 2026‐000071 or ２０２６−００００７１?"""
    receipt, code = submit_via_form(client, {"voice_type": "問合せ", "body": "粗大ごみの出し方を教えて",
                                             "consent_privacy": "y"})
    year, number = receipt.split("-")
    token = csrf_token_from(client.get("/status").get_data(as_text=True))
    for typed in (year + number, f"{year}\u2010{number}", f"{year}\u2015{number}",
                  f"{year}\u2212{number}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))):
        html = client.post("/status", data={"receipt_no": typed, "access_code": code, "csrf_token": token}) \
            .get_data(as_text=True)
        assert 'id="status-label"' in html and f"受付番号 {receipt} の状況" in html, typed


def test_a_phone_number_with_any_common_dash_is_accepted(app, client):
    """Is 0297−00−0000 typed with a minus sign (U+2212), a dash or a full-width hyphen taken as 0297-00-0000?"""
    for dash in ("\u2212", "\u2010", "\u2013", "\u2014", "ー", "－", "\uff70"):
        receipt, _ = submit_via_form(client, {"voice_type": "要望", "body": "街灯を増やしてください", "consent_privacy": "y",
                                              "phone": f"0297{dash}00{dash}0000"})
        with app.app_context():
            voice = db.session.scalar(select(Voice).where(Voice.receipt_no == receipt))
            assert voice.submitter_phone == "0297-00-0000", dash


def test_a_method_a_page_does_not_offer_gets_a_japanese_405_page(client):
    """Does GET /voice/confirm (a reload of the confirmation step) or POST / get a Japanese page, with Allow?"""
    for method, path, allowed in (("GET", "/voice/confirm", {"POST"}), ("POST", "/", {"GET"}),
                                  ("PUT", "/voice/new", {"GET", "POST"})):
        response = client.open(path, method=method)
        html = response.get_data(as_text=True)
        assert response.status_code == 405 and response.mimetype == "text/html"
        assert "この操作はできません" in html and "Method Not Allowed" not in html
        assert allowed <= set(response.headers["Allow"].split(", "))


def _field_error(html: str, field_id: str) -> str:
    """The error message shown next to a field (empty when there is none)."""
    import re

    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', html, re.DOTALL)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def test_a_reply_or_note_too_long_is_shown_again_with_the_message_and_nothing_typed_is_lost(app, client):
    """Does staff lose an 8,001-character reply or a 2,001-character note when it is refused?"""
    from models import Reply
    from tests.section_fixtures import build_world

    with app.app_context():
        world = build_world()
    login(client, "kankyo")
    v = f"/staff/voices/{world.voice_id}"
    token = csrf_token_from(client.get(v).get_data(as_text=True))
    reply_text = "回答" * 4000 + "。"
    response = client.post(f"{v}/reply", data={"body": reply_text, "submit_for_approval": "1", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _field_error(html, "reply-body") == "回答文は8,000文字以内で入力してください。"
    assert f">{reply_text}</textarea>" in html
    note_text = "メ" * 2001
    response = client.post(f"{v}/note", data={"text": note_text, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _field_error(html, "note-text") == "メモは2,000文字以内で入力してください。"
    assert f">{note_text}</textarea>" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Reply.id))) == 0
        assert db.session.scalar(select(func.count(VoiceEvent.id)).where(VoiceEvent.kind == "note")) == 0
    # a refusal that is not about the text (a reply already waiting for approval) keeps the text too
    client.post(f"{v}/reply", data={"body": "回答です", "submit_for_approval": "1", "csrf_token": token})
    response = client.post(f"{v}/reply", data={"body": "書き直した回答", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "課長に差し戻してもらってください" in _field_error(html, "reply-body")
    assert ">書き直した回答</textarea>" in html


def test_an_id_too_large_for_the_database_is_not_found_on_every_int_route(app, client):
    """Is /staff/voices/99999999999999999999 (a SQLite overflow before) a 404, on every <int:…> route?"""
    with app.app_context():
        make_user("boss", "admin")
    login(client, "boss")
    huge = "99999999999999999999"
    response = client.get(f"/staff/voices/{huge}")
    assert response.status_code == 404 and "ページが見つかりません" in response.get_data(as_text=True)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        url = rule.rule
        for name, converter in rule._converters.items():
            value = huge if isinstance(converter, IntegerConverter) else "x"
            url = re.sub(rf"<(?:[^:>]+:)?{name}>", value, url)
        method = "GET" if "GET" in rule.methods else min(rule.methods - {"HEAD", "OPTIONS"})
        assert client.open(url, method=method).status_code == 404, url
        checked += 1
    assert checked >= 20  # voices, meetings, rules, users, sections, templates, tokens, action items…


def test_a_bad_request_gets_the_japanese_error_page(app, client):
    """Does a 400 (a section id that is not a number) show the Japanese error page, not Werkzeug's English one?"""
    with app.app_context():
        make_user("koucho", "hearing", "秘書広報課")
        voice_id, _, _ = routed_voice()
    login(client, "koucho")
    token = csrf_token_from(client.get(f"/staff/voices/{voice_id}").get_data(as_text=True))
    response = client.post(f"/staff/voices/{voice_id}/assign", data={"csrf_token": token, "section_id": "abc"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<h1>リクエストの内容が正しくありません</h1>" in html and "Bad Request" not in html


def test_a_bad_export_encoding_gets_the_japanese_error_page(app, client):
    """Is /planner/export/matrix.csv?enc=latin1 a Japanese 400 page?"""
    with app.app_context():
        make_user("kikaku", "planner", "企画政策課")
    login(client, "kikaku")
    response = client.get("/planner/export/matrix.csv?enc=latin1")
    assert response.status_code == 400
    assert "リクエストの内容が正しくありません" in response.get_data(as_text=True)


def test_a_bad_request_under_api_is_answered_in_json(app):
    """Does a 400 under /api/ come back as JSON with a Japanese message, like the other API errors?"""
    from flask import abort

    app.add_url_rule("/api/v1/_test_bad_request", "test_bad_request", lambda: abort(400))
    response = app.test_client().get("/api/v1/_test_bad_request")
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad_request", "message": "リクエストの内容が正しくありません。"}
