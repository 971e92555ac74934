"""Do over-long, NUL-laden and out-of-range values get a Japanese message instead of a server error —
on SQLite and on PostgreSQL (where a varchar overflows, NUL is refused and int4 ends at 2**31 - 1)?"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Voice, db
from tests.support import csrf_token_from, hidden_value
from web.api.tokens import issue_token

VOICE = {"voice_type": "苦情", "body": "集積所のごみが回収されずに残っていて、カラスが散らかしています。",
         "consent_privacy": True}
LONG_PHONE = "(" * 40 + "0297-00-0000"  # 10 digits: only the length is wrong


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


@pytest.fixture
def staff_headers(app) -> dict:
    with app.app_context():
        return {"Authorization": f"Bearer {issue_token('オンラインフォーム連携', all_sections=True)[1]}"}


def _voice_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Voice.id)))


def test_a_phone_longer_than_its_column_is_refused_on_the_form_and_the_api(app, client):
    """Is a 52-character phone number (10 digits among brackets) refused with a message, not stored?"""
    page = client.get("/voice/new").get_data(as_text=True)
    form = client.post("/voice/new", data={
        "csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"),
        "voice_type": "要望", "body": "街灯を増やしてください", "consent_privacy": "y", "phone": LONG_PHONE})
    html = form.get_data(as_text=True)
    assert form.status_code == 422
    assert "電話番号は32文字以内で入力してください。" in html and LONG_PHONE in html  # kept in the form
    page = client.get("/voice/new").get_data(as_text=True)
    confirm = client.post("/voice/confirm", data={
        "csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"),
        "voice_type": "要望", "body": "街灯を増やしてください", "consent_privacy": "y", "phone": LONG_PHONE,
        "action": "submit"})
    assert confirm.status_code == 422 and "電話番号は32文字以内" in confirm.get_data(as_text=True)
    api = client.post("/api/v1/voices", json={**VOICE, "phone": LONG_PHONE})
    assert api.status_code == 400
    assert api.get_json()["fields"] == {"phone": ["電話番号は32文字以内で入力してください。"]}
    assert _voice_count(app) == 0


def test_every_text_field_is_capped_at_its_column_length(app, client, staff_headers):
    """Is each string the API stores refused one character past its column, and stored at the column length?"""
    too_long = {"subject": "件" * 201, "name": "名" * 101, "district": "区" * 51, "phone": "0" * 11 + "-" * 22,
                "email": "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 62 + ".jp",  # 258 characters
                "speaker_category": "発" * 33}
    refused = client.post("/api/v1/staff/voices", json={**VOICE, **too_long}, headers=staff_headers)
    assert refused.status_code == 400
    fields = refused.get_json()["fields"]
    assert set(fields) == set(too_long)
    assert fields["subject"] == ["件名は200文字以内で入力してください。"]
    assert fields["speaker_category"] == ["発言者区分は32文字以内で入力してください。"]
    assert fields["email"] == ["メールアドレスが長すぎます。"]
    at_limit = {"subject": "件" * 200, "name": "名" * 100, "district": "区" * 50, "phone": "0" * 11 + "-" * 21,
                "speaker_category": "発" * 32}
    token = "t" * 48  # the longest client_token, with the staff prefix, still fits the column
    stored = client.post("/api/v1/staff/voices", json={**VOICE, **at_limit, "client_token": token},
                         headers=staff_headers)
    assert stored.status_code == 201, stored.get_json()
    public = client.post("/api/v1/voices", json={**VOICE, "client_token": token})
    assert public.status_code == 201, public.get_json()
    with app.app_context():
        voice = db.session.get(Voice, stored.get_json()["id"])
        assert (voice.subject, voice.submitter_name, voice.district, voice.submitter_phone, voice.speaker_category) \
            == (at_limit["subject"], at_limit["name"], at_limit["district"], at_limit["phone"],
                at_limit["speaker_category"])


def test_a_nul_in_a_receipt_number_is_just_not_found(app, client):
    """Does a 受付番号 with NUL or other control characters get 「見つかりません」, on the API and on /status?"""
    created = client.post("/api/v1/voices", json=VOICE).get_json()
    receipt = created["receipt_no"]
    for number in (f"{receipt}%00", "2026-000001%00", "%00", "%01%02"):
        response = client.get(f"/api/v1/voices/{number}?code=AAAAAAAA")
        assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    token = csrf_token_from(client.get("/status").get_data(as_text=True))
    for number in (f"{receipt}\x00", "2026-000001\x00", "\x00"):
        page = client.post("/status", data={"receipt_no": number, "access_code": "AAAAAAAA", "csrf_token": token})
        assert page.status_code == 200
        assert "受付番号または確認コードが正しくありません" in page.get_data(as_text=True)
    # Stray control characters around a right pair are dropped, as in every other field.
    right = client.get(f"/api/v1/voices/{receipt}%00?code={created['access_code']}")
    assert right.status_code == 200 and right.get_json()["receipt_no"] == receipt


def test_the_staff_list_refuses_a_section_with_nul_in_its_name(app, client, staff_headers):
    """Is ``section=%00`` (or a 課 name with NUL inside) a field error, not a server error?"""
    for section in ("%00", "生活環境課%00x"):
        response = client.get(f"/api/v1/staff/voices?section={section}", headers=staff_headers)
        assert response.status_code == 400
        assert list(response.get_json()["fields"]) == ["section"]
    nul_only = client.get("/api/v1/staff/voices?section=%00", headers=staff_headers).get_json()
    assert nul_only["fields"]["section"] == ["課の名前を指定してください（例：生活環境課）。"]
    huge_page = client.get("/api/v1/staff/voices?section=生活環境課&page=99999999999999999999", headers=staff_headers)
    assert huge_page.status_code == 400 and list(huge_page.get_json()["fields"]) == ["page"]


def test_a_meeting_id_out_of_range_is_not_found(app, client, staff_headers):
    """Is a meeting id past the integer column (or below 1) refused like an unknown meeting?"""
    for meeting_id in (2**31 - 1, 2**31, 2**63, 99999999999999999999999, 0, -1):
        response = client.post("/api/v1/staff/voices", json={**VOICE, "channel": "meeting", "meeting_id": meeting_id},
                               headers=staff_headers)
        assert response.status_code == 400, meeting_id
        assert response.get_json()["fields"] == {"meeting_id": ["会合が見つかりません。一覧から選んでください。"]}
    assert _voice_count(app) == 0


def test_a_received_at_before_1990_or_past_year_9999_is_a_field_error(app, client, staff_headers):
    """Is a 受付日時 before 1990 (or one that leaves year 9999 in UTC) refused with a Japanese message?"""
    for received_at in ("0001-01-01T00:00:00+09:00", "0001-01-01T00:00:00+00:00", "1989-12-31T23:59:59+09:00",
                        "9999-12-31T23:59:59-09:00"):
        response = client.post("/api/v1/staff/voices", json={**VOICE, "channel": "phone", "received_at": received_at},
                               headers=staff_headers)
        assert response.status_code == 400, received_at
        assert list(response.get_json()["fields"]) == ["received_at"]
    assert _voice_count(app) == 0
    old = client.post("/api/v1/staff/voices", json={**VOICE, "channel": "phone",
                                                     "received_at": "1990-01-02T00:00:00+09:00"}, headers=staff_headers)
    assert old.status_code == 201, old.get_json()


def test_a_nul_in_any_query_or_form_parameter_is_dropped_not_a_server_error(app, client):
    """PostgreSQL refuses NUL in text: a tampered ?actor=%00 or login id must not reach it."""
    from tests.support import PASSWORD, login, make_user

    with app.app_context():
        make_user("admin", "admin")
        make_user("kankyo", "section_staff", "生活環境課")
    page = client.get("/staff/login").get_data(as_text=True)
    refused = client.post("/staff/login", data={"login_id": "adm\x00in", "password": "wrong",
                                                "csrf_token": csrf_token_from(page)})
    assert refused.status_code == 401 and "ログインID" in refused.get_data(as_text=True)
    page = client.get("/staff/login").get_data(as_text=True)
    signed_in = client.post("/staff/login", data={"login_id": "kank\x00yo", "password": PASSWORD,
                                                  "csrf_token": csrf_token_from(page)})
    assert signed_in.status_code == 302  # the NUL is gone, and what is left is the login id
    assert client.get("/staff/queue?q=%E3%81%94%E3%81%BF%00&status=%00").status_code == 200
    login(client, "admin")
    for path in ("/admin/audit?actor=%00", "/admin/audit?tab=events&actor=ad%00min",
                 "/admin/audit?receipt_no=2026-000001%00"):
        assert client.get(path).status_code == 200, path
