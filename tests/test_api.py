"""Does /api/v1 do what its OpenAPI document says — for every response — and keep staff endpoints
behind administrator-issued tokens?"""
from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from models import STATUSES, ApiToken, Meeting, User, Voice, db, set_setting, utcnow
from tests.section_fixtures import build_world
from tests.support import csrf_token_from
from web.api.openapi import document
from web.api.tokens import issue_token, revoke_token

VOICE = {"voice_type": "苦情", "body": "集積所のごみが回収されずに残っていて、カラスが散らかしています。",
         "consent_privacy": True}


class Contract:
    """Checks real responses against the OpenAPI document."""

    def __init__(self):
        self.spec = document()
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self.registry = Registry().with_resource("urn:openapi", resource)
        self.seen: set[tuple[str, str, str]] = set()

    def check(self, method: str, path_template: str, response) -> dict:
        status = str(response.status_code)
        operation = self.spec["paths"][path_template][method.lower()]
        assert status in operation["responses"], f"{method} {path_template} answered {status}, not documented"
        content = operation["responses"][status]["content"]
        assert response.mimetype in content, response.mimetype
        schema = content[response.mimetype]["schema"]
        if "$ref" in schema:  # resolve inside the document
            schema = {"$ref": "urn:openapi" + schema["$ref"]}
        body = response.get_json()
        Draft202012Validator(schema, registry=self.registry, format_checker=FormatChecker()).validate(body)
        self.seen.add((method.lower(), path_template, status))
        return body


@pytest.fixture(scope="module")
def contract():
    return Contract()


@pytest.fixture
def token(app):
    with app.app_context():
        return issue_token("オンラインフォーム連携", all_sections=True)[1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_the_openapi_document_is_valid_and_describes_every_route_and_no_other(app, client, contract):
    validate_spec(document())
    served = client.get("/api/v1/openapi.json")
    assert contract.check("GET", "/openapi.json", served) == document()
    routes = {
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")))
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(method, path) for path, item in document()["paths"].items() for method in item}
    assert routes == documented


def test_health_conforms(client, contract):
    contract.check("GET", "/health", client.get("/api/v1/health"))


def test_a_citizen_submits_through_the_api_and_looks_up_the_status(app, client, contract):
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()
    created = contract.check("POST", "/voices", client.post("/api/v1/voices", json={
        **VOICE, "client_token": "form-service-000001", "name": "山田花子", "email": "hanako@example.jp"}))
    again = client.post("/api/v1/voices", json={**VOICE, "client_token": "form-service-000001"})
    assert again.status_code == 200 and contract.check("POST", "/voices", again) == created
    status = contract.check("GET", "/voices/{receipt_no}", client.get(
        f"/api/v1/voices/{created['receipt_no']}?code={created['access_code'].lower()}"))
    assert (status["status"], status["section"]) == ("assigned", "生活環境課")
    assert created["status_url"] == f"/api/v1/voices/{created['receipt_no']}"
    with app.app_context():
        voice = db.session.scalar(select(Voice))
        assert (voice.channel, voice.submitter_name) == ("api", "山田花子")
        assert [e.kind for e in voice.events] == ["received", "classified", "assigned"]


def test_bad_submissions_get_400_with_a_message_per_field(client, contract):
    missing = contract.check("POST", "/voices", client.post("/api/v1/voices", json={"body": ""}))
    assert missing["error"] == "validation_error"
    assert missing["fields"] == {"voice_type": ["種別を選んでください。"], "body": ["内容を入力してください。"],
                                 "consent_privacy": ["個人情報の取扱いに同意してください。"]}
    typed = contract.check("POST", "/voices", client.post("/api/v1/voices", json={
        **VOICE, "wants_reply": "yes", "body": 5, "colour": "red", "client_token": "short"}))
    assert typed["fields"] == {"wants_reply": ["true か false で指定してください。"], "body": ["文字列で指定してください。"],
                               "colour": ["不明な項目です。"],
                               "client_token": ["英数字・ハイフン・下線の16〜48文字で指定してください。"]}
    long_body = contract.check("POST", "/voices", client.post("/api/v1/voices", json={**VOICE, "body": "あ" * 4001}))
    assert "4,000文字以内" in long_body["fields"]["body"][0]
    for raw, ctype in ((b"{not json", "application/json"), (b'["a list"]', "application/json"),
                       (b"voice_type=x", "application/x-www-form-urlencoded")):
        bad = contract.check("POST", "/voices", client.post("/api/v1/voices", data=raw, content_type=ctype))
        assert bad["error"] == "invalid_json"


def _schema_accepts(contract, schema: dict, instance) -> bool:
    if "$ref" in schema:
        schema = {"$ref": "urn:openapi" + schema["$ref"]}
    return Draft202012Validator(schema, registry=contract.registry, format_checker=FormatChecker()).is_valid(instance)


def test_the_document_refuses_what_the_api_always_refuses(client, contract, token):
    """Does the document itself rule out a blank 内容, a missing consent, a blank meeting name, 確認コード or 課,
    so that a client (or a fuzzer) built from it does not send requests the API can only refuse?"""
    paths = contract.spec["paths"]
    public = paths["/voices"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    meeting = paths["/staff/meetings"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    code = next(p for p in paths["/voices/{receipt_no}"]["get"]["parameters"] if p["name"] == "code")["schema"]
    section = next(p for p in paths["/staff/voices"]["get"]["parameters"] if p["name"] == "section")["schema"]
    assert _schema_accepts(contract, public, VOICE)
    refused = {"blank body": {**VOICE, "body": " \n　"}, "empty body": {**VOICE, "body": ""},
               "no consent": {**VOICE, "consent_privacy": False}}
    assert {name: _schema_accepts(contract, public, value) for name, value in refused.items()} == \
        {name: False for name in refused}
    for name, value in refused.items():  # and the API refuses each of them
        assert client.post("/api/v1/voices", json=value).status_code == 400, name
    # null is "not sent" for an optional field, and refused for a required one, by the API and the document
    with_nulls = {**VOICE, "subject": None, "age_group": None, "wants_reply": None}
    assert _schema_accepts(contract, public, with_nulls)
    assert client.post("/api/v1/voices", json=with_nulls).status_code == 201
    assert not _schema_accepts(contract, public, {**VOICE, "body": None})
    assert client.post("/api/v1/voices", json={**VOICE, "body": None}).status_code == 400
    assert _schema_accepts(contract, meeting, {"name": "区長会議", "held_on": "2026-05-01", "place": None})
    assert not _schema_accepts(contract, meeting, {"name": "", "held_on": "2026-05-01"})
    assert not _schema_accepts(contract, code, "") and _schema_accepts(contract, code, "ABCD2345")
    assert not _schema_accepts(contract, section, "") and _schema_accepts(contract, section, "生活環境課")
    assert client.post("/api/v1/staff/meetings", json={"name": "", "held_on": "2026-05-01"},
                       headers=bearer(token)).status_code == 400


def test_an_oversized_request_gets_413_in_json(app, client, contract):
    too_big = {**VOICE, "body": "あ" * (app.config["MAX_CONTENT_LENGTH"] // 2)}
    assert contract.check("POST", "/voices", client.post("/api/v1/voices", json=too_big))["error"] == "too_large"


def test_a_deeply_nested_document_gets_400_invalid_json_on_every_endpoint(client, contract, token):
    """Does JSON nested thousands deep (which the parser cannot follow) get invalid_json, not a server error?"""
    deep = b"[" * 100_000 + b"]" * 100_000
    for raw in (deep, b'{"body": ' + deep + b"}"):
        for path in ("/voices", "/staff/voices", "/staff/meetings"):
            response = client.post(f"/api/v1{path}", data=raw, content_type="application/json", headers=bearer(token))
            assert contract.check("POST", path, response)["error"] == "invalid_json", path


def test_a_streamed_body_over_the_size_cap_gets_413_not_invalid_json(app, client, contract):
    """Is a chunked body (no Content-Length) that goes past the cap refused as too large, not cut and misread?"""
    def streamed(document: dict):
        return client.post("/api/v1/voices", input_stream=io.BytesIO(json.dumps(document).encode()),
                           content_type="application/json", headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})

    too_big = streamed({**VOICE, "body": "x" * app.config["MAX_CONTENT_LENGTH"]})
    assert contract.check("POST", "/voices", too_big)["error"] == "too_large"
    assert contract.check("POST", "/voices", streamed(VOICE))["receipt_no"]


def test_a_method_the_api_does_not_offer_gets_405_in_json_with_allow(client):
    """Does ``PUT /api/v1/voices`` get a Japanese JSON error (of the documented shape) and an Allow header?"""
    error_schema = document()["components"]["schemas"]["Error"]
    for method, path, allowed in (("PUT", "/api/v1/voices", {"POST"}),
                                  ("DELETE", "/api/v1/staff/voices", {"GET", "POST"})):
        response = client.open(path, method=method)
        assert response.status_code == 405 and response.mimetype == "application/json"
        body = response.get_json()
        Draft202012Validator(error_schema).validate(body)
        assert body == {"error": "method_not_allowed", "message": "この操作には対応していません。"}
        assert allowed <= set(response.headers["Allow"].split(", "))


def test_a_closed_voice_has_no_due_date_on_the_api_or_the_status_page(app, client, contract):
    """Once a voice is 回答済, 完了 or 対応なし, do the API and /status stop giving a 回答予定日?"""
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()
    created = client.post("/api/v1/voices", json=VOICE).get_json()
    path = f"/api/v1/voices/{created['receipt_no']}?code={created['access_code']}"
    token = csrf_token_from(client.get("/status").get_data(as_text=True))

    def status_page() -> str:
        return client.post("/status", data={"receipt_no": created["receipt_no"], "access_code": created["access_code"],
                                            "csrf_token": token}).get_data(as_text=True)

    assert contract.check("GET", "/voices/{receipt_no}", client.get(path))["due_date"] is not None
    assert "回答予定日" in status_page()
    for status in ("answered", "closed", "no_action"):
        with app.app_context():
            db.session.scalar(select(Voice)).status = status
            db.session.commit()
        body = contract.check("GET", "/voices/{receipt_no}", client.get(path))
        assert (body["status"], body["due_date"]) == (status, None)
        html = status_page()
        assert STATUSES[status] in html and "回答予定日" not in html and "ごろ" not in html
    assert "null" in document()["components"]["schemas"]["VoiceStatus"]["properties"]["due_date"]["description"]


def test_a_receipt_number_is_found_without_its_hyphen_or_with_another_dash(client, contract):
    """Is 2026000071 (an iOS number pad has no hyphen), 2026‐000071 or ２０２６−００００７１ the same 受付番号?"""
    created = client.post("/api/v1/voices", json=VOICE).get_json()
    receipt, code = created["receipt_no"], created["access_code"]
    year, number = receipt.split("-")
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    for typed in (year + number, *(f"{year}{dash}{number}" for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212ー－"),
                  f"{year}\u2212{number}".translate(full_width), f" {year} - {number} "):
        response = client.get(f"/api/v1/voices/{quote(typed)}?code={code}")
        assert contract.check("GET", "/voices/{receipt_no}", response)["receipt_no"] == receipt, typed
    for wrong in (year + number + "0", year, "20260000", "2026--" + number):
        assert client.get(f"/api/v1/voices/{quote(wrong)}?code={code}").status_code == 404, wrong


def test_the_status_lookup_needs_the_right_code_and_says_nothing_more(app, client, contract):
    created = client.post("/api/v1/voices", json=VOICE).get_json()
    no_code = contract.check("GET", "/voices/{receipt_no}", client.get(f"/api/v1/voices/{created['receipt_no']}"))
    assert no_code["fields"] == {"code": ["確認コードを指定してください。"]}
    wrong_code = client.get(f"/api/v1/voices/{created['receipt_no']}?code=ZZZZZZZZ")
    wrong_number = client.get(f"/api/v1/voices/2026-999999?code={created['access_code']}")
    assert contract.check("GET", "/voices/{receipt_no}", wrong_code) == \
        contract.check("GET", "/voices/{receipt_no}", wrong_number)


def test_staff_endpoints_need_a_valid_token_with_the_right_scope(app, client, contract):
    for method, path in (("POST", "/staff/voices"), ("GET", "/staff/voices"), ("GET", "/staff/meetings"),
                         ("POST", "/staff/meetings")):
        call = client.post if method == "POST" else client.get
        nothing = call(f"/api/v1{path}", json={} if method == "POST" else None)
        assert nothing.status_code == 401 and nothing.headers["WWW-Authenticate"].startswith("Bearer")
        contract.check(method, path, nothing)
        contract.check(method, path, call(f"/api/v1{path}", headers=bearer("mv_not-a-real-token")))
    with app.app_context():
        _row, read_only = issue_token("集計システム", ["voices:read"], all_sections=True)
        _row, create_only = issue_token("オンラインフォーム", ["voices:create"])
        _row, revoked = issue_token("廃止した連携", all_sections=True)
        revoke_token(_row.id)
    for path in ("/staff/voices?section=生活環境課", "/staff/meetings"):
        contract.check("GET", path.split("?")[0], client.get(f"/api/v1{path}", headers=bearer(create_only)))
    forbidden = client.post("/api/v1/staff/voices", json=VOICE, headers=bearer(read_only))
    assert contract.check("POST", "/staff/voices", forbidden)["error"] == "forbidden"
    contract.check("POST", "/staff/meetings", client.post("/api/v1/staff/meetings", json={}, headers=bearer(read_only)))
    assert client.get("/api/v1/staff/voices?section=生活環境課", headers=bearer(revoked)).status_code == 401


def test_an_expired_token_is_refused_with_a_message_saying_so(app, client, contract):
    """Does a token stop working at its expiry, with the 401 an invalid token gets but a message that says it
    expired (and when), while a revoked one that also expired is still only called invalid?"""
    with app.app_context():
        row, secret = issue_token("電子申請", all_sections=True, days=30)
        gone, revoked = issue_token("廃止した連携", all_sections=True)
        ids = (row.id, gone.id)
    assert client.get("/api/v1/staff/meetings", headers=bearer(secret)).status_code == 200
    with app.app_context():
        last_used = db.session.get(ApiToken, ids[0]).last_used_at
        for token_id in ids:
            db.session.get(ApiToken, token_id).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        revoke_token(ids[1])
    for path in ("/staff/voices?section=生活環境課", "/staff/meetings"):
        expired = client.get(f"/api/v1{path}", headers=bearer(secret))
        body = contract.check("GET", path.split("?")[0], expired)
        assert expired.status_code == 401 and expired.headers["WWW-Authenticate"].startswith("Bearer")
        assert body["error"] == "unauthorized"
        assert "有効期限" in body["message"] and "切れています" in body["message"]
    created = client.post("/api/v1/staff/voices", json=VOICE, headers=bearer(secret))
    assert contract.check("POST", "/staff/voices", created)["error"] == "unauthorized"
    invalid = client.get("/api/v1/staff/meetings", headers=bearer(revoked)).get_json()
    assert invalid == {"error": "unauthorized", "message": "API トークンが無効です。"}
    with app.app_context():
        assert last_used is not None
        assert db.session.get(ApiToken, ids[0]).last_used_at == last_used  # a refused call is not a use


def test_a_token_restricted_to_sections_reads_only_the_voices_assigned_to_them_now(app, client, contract):
    """Can an integration of 生活環境課 read another 課's voices? No (403); and once a voice is forwarded to
    建設課 it is 建設課's to read, not 生活環境課's."""
    from routing.workflow import forward

    with app.app_context():
        world = build_world()
        kankyo_only = issue_token("生活環境課の連携", ["voices:read"], section_ids=[world.kankyo_id])[1]
        kensetsu_only = issue_token("建設課の連携", ["voices:read"], section_ids=[world.kensetsu_id])[1]
        everything = issue_token("広聴の集計", ["voices:read"], all_sections=True)[1]

    own = contract.check("GET", "/staff/voices", client.get(
        "/api/v1/staff/voices?section=生活環境課", headers=bearer(kankyo_only)))
    assert [item["receipt_no"] for item in own["items"]] == [world.receipt_no]
    other = client.get("/api/v1/staff/voices?section=建設課", headers=bearer(kankyo_only))
    refused = contract.check("GET", "/staff/voices", other)
    assert other.status_code == 403 and refused == {
        "error": "forbidden", "message": "この API トークンでは課「建設課」の声は読めません。"}
    unknown = contract.check("GET", "/staff/voices", client.get(
        "/api/v1/staff/voices?section=ごみ課", headers=bearer(kankyo_only)))
    assert unknown["error"] == "validation_error"

    with app.app_context():
        forward(world.voice_id, world.kensetsu_id, "道路の補修の要望のため", _user("kankyo"))
    after = {token: client.get(f"/api/v1/staff/voices?section={section}", headers=bearer(token)).get_json()
             for token, section in ((kankyo_only, "生活環境課"), (kensetsu_only, "建設課"))}
    assert (after[kankyo_only]["items"], after[kankyo_only]["total"]) == ([], 0)
    assert [item["receipt_no"] for item in after[kensetsu_only]["items"]] == [world.receipt_no]
    for section in ("生活環境課", "建設課"):  # an unrestricted token, chosen as such, reads every 課
        assert client.get(f"/api/v1/staff/voices?section={section}", headers=bearer(everything)).status_code == 200
    # meetings are not anyone's personal data: a restricted read token lists them
    assert client.get("/api/v1/staff/meetings", headers=bearer(kankyo_only)).status_code == 200


def _user(login_id: str) -> User:
    return db.session.scalar(select(User).where(User.login_id == login_id))


def test_an_integration_creates_a_meeting_and_its_remarks_and_lists_them_by_section(app, client, contract, token):
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()
    meeting = contract.check("POST", "/staff/meetings", client.post("/api/v1/staff/meetings", json={
        "name": "出前講座（ごみの分け方）", "kind": "出前講座", "held_on": "2026-05-20", "place": "小絹公民館"},
        headers=bearer(token)))
    bad_meeting = contract.check("POST", "/staff/meetings", client.post("/api/v1/staff/meetings", json={
        "name": "", "held_on": "5月20日"}, headers=bearer(token)))
    assert set(bad_meeting["fields"]) == {"held_on"}
    remark = contract.check("POST", "/staff/voices", client.post("/api/v1/staff/voices", json={
        **VOICE, "channel": "meeting", "meeting_id": meeting["id"], "speaker_category": "市民",
        "received_at": "2026-05-20T14:00:00+09:00", "client_token": "remark-0000000001"}, headers=bearer(token)))
    assert (remark["channel"], remark["meeting_id"]) == ("meeting", meeting["id"])
    resent = contract.check("POST", "/staff/voices", client.post("/api/v1/staff/voices", json={
        **VOICE, "channel": "meeting", "meeting_id": meeting["id"], "client_token": "remark-0000000001"},
        headers=bearer(token)))
    assert resent["receipt_no"] == remark["receipt_no"]
    chosen = contract.check("POST", "/staff/voices", client.post("/api/v1/staff/voices", json={
        "voice_type": "要望", "body": "公園の遊具が壊れています。", "channel": "phone", "section": "都市整備課"},
        headers=bearer(token)))
    errors = contract.check("POST", "/staff/voices", client.post("/api/v1/staff/voices", json={
        **VOICE, "channel": "pigeon", "meeting_id": 999, "received_at": "2026-05-20 14:00",
        "section": "ごみ課"}, headers=bearer(token)))
    assert set(errors["fields"]) == {"channel", "received_at"}
    unknown = contract.check("POST", "/staff/voices", client.post("/api/v1/staff/voices", json={
        **VOICE, "meeting_id": 999, "channel": "meeting", "section": "ごみ課"}, headers=bearer(token)))
    assert set(unknown["fields"]) == {"meeting_id", "section"}

    listed = contract.check("GET", "/staff/voices", client.get(
        "/api/v1/staff/voices?section=生活環境課&per_page=10", headers=bearer(token)))
    assert [item["receipt_no"] for item in listed["items"]] == [remark["receipt_no"]]
    assert listed["items"][0]["meeting_id"] == meeting["id"] and "submitter_name" not in listed["items"][0]
    other = contract.check("GET", "/staff/voices", client.get(
        "/api/v1/staff/voices?section=都市整備課&status=assigned", headers=bearer(token)))
    assert [item["receipt_no"] for item in other["items"]] == [chosen["receipt_no"]]
    wrong = contract.check("GET", "/staff/voices", client.get(
        "/api/v1/staff/voices?status=lost&page=0", headers=bearer(token)))
    assert set(wrong["fields"]) == {"section", "status", "page"}
    meetings = contract.check("GET", "/staff/meetings", client.get("/api/v1/staff/meetings", headers=bearer(token)))
    assert [m["name"] for m in meetings["items"]] == ["出前講座（ごみの分け方）"]
    with app.app_context():
        voice = db.session.scalar(select(Voice).where(Voice.receipt_no == remark["receipt_no"]))
        assert voice.meeting == db.session.get(Meeting, meeting["id"]) and voice.status == "assigned"
        assert voice.events[0].actor_label == "API:オンラインフォーム連携"


def test_too_many_submissions_from_one_address_get_429(app, client, contract, token):
    app.config.update(RATE_LIMIT_SUBMIT="2 per minute", RATE_LIMIT_STATUS="1 per minute",
                      RATE_LIMIT_API_TOKEN="1 per minute")
    created = [client.post("/api/v1/voices", json=VOICE) for _ in range(2)]
    assert [r.status_code for r in created] == [201, 201]
    limited = client.post("/api/v1/voices", json=VOICE)
    assert contract.check("POST", "/voices", limited)["error"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    receipt = created[0].get_json()
    path = f"/api/v1/voices/{receipt['receipt_no']}?code={receipt['access_code']}"
    assert client.get(path).status_code == 200
    contract.check("GET", "/voices/{receipt_no}", client.get(path))  # 429
    assert client.get(path).status_code == 429
    assert client.get("/api/v1/staff/meetings", headers=bearer(token)).status_code == 200
    contract.check("GET", "/staff/meetings", client.get("/api/v1/staff/meetings", headers=bearer(token)))


def test_every_documented_response_was_exercised(contract):
    """Runs last in this module: each documented status of each operation was checked above."""
    if not contract.seen:
        pytest.skip("run with the rest of the module")
    documented = {(method, path, status) for path, item in document()["paths"].items()
                  for method, operation in item.items() for status in operation["responses"]}
    not_exercised = documented - contract.seen - {
        ("get", "/health", "503"),  # the database down: tests/test_health.py
        # The per-token limit is one decorator for all four staff operations; GET /staff/meetings checks it.
        ("post", "/staff/voices", "429"), ("post", "/staff/meetings", "429"), ("get", "/staff/voices", "429"),
    }
    assert not_exercised == set()
