"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

tests/test_api.py validates the document and checks real responses of every endpoint against it, and
that every route of the blueprint is described here (and nothing else). Rules the API always applies are
stated in the schemas too (a required text is not blank, consent is true), so that a client or a fuzzer
built from the document does not send what can only be refused.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify

from models import (
    AGE_GROUPS,
    API_SCOPES,
    CHANNELS,
    MEETING_KINDS,
    STATUSES,
    TOKEN_LIFETIMES_DAYS,
    VOICE_TYPES,
)
from web.api import bp


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_DATETIME = {"type": "string", "format": "date-time"}
# Not empty and not only spaces (the API strips them, then refuses an empty value).
_NOT_BLANK = {"minLength": 1, "pattern": r"\S"}

_VOICE_PROPERTIES: dict[str, Any] = {
    "voice_type": {"type": "string", "enum": list(VOICE_TYPES), "description": "種別"},
    "body": {"type": "string", "maxLength": 4000, **_NOT_BLANK, "description": "内容（4,000文字以内、必須）"},
    "subject": {"type": "string", "maxLength": 200, "description": "件名"},
    "name": {"type": "string", "maxLength": 100, "description": "氏名"},
    "email": {"type": "string", "maxLength": 254, "description": "メールアドレス"},
    "phone": {"type": "string", "maxLength": 32, "description": "電話番号（市外局番から）"},
    "district": {"type": "string", "maxLength": 50, "description": "地区"},
    "age_group": {"type": "string", "enum": ["", *AGE_GROUPS], "description": "年代"},
    "wants_reply": {"type": "boolean", "description": "回答を希望する（メールか電話番号が必要）"},
    "consent_privacy": {"type": "boolean", "description": "個人情報の取扱いへの同意（Web・APIでは必須）"},
    "consent_publish": {"type": "boolean", "description": "個人が特定されない形での公開への同意"},
    "client_token": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,48}$",
                     "description": "送信の識別子。同じ値の再送は二重に登録されず、最初の受付を返す"},
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error", "message"], "additionalProperties": False,
        "properties": {
            "error": {"type": "string", "enum": ["validation_error", "invalid_json", "bad_request", "not_found", "unauthorized",
                                                 "forbidden", "method_not_allowed", "rate_limited", "too_large",
                                                 "server_error"]},
            "message": _STRING,
            "fields": {"type": "object", "description": "項目ごとのエラーメッセージ",
                       "additionalProperties": {"type": "array", "items": _STRING, "minItems": 1}},
        },
    },
    "VoiceSubmission": {
        "type": "object", "required": ["voice_type", "body", "consent_privacy"], "additionalProperties": False,
        "properties": {**_VOICE_PROPERTIES, "consent_privacy": {**_VOICE_PROPERTIES["consent_privacy"], "const": True}},
    },
    "StaffVoiceSubmission": {
        "type": "object", "required": ["voice_type", "body"], "additionalProperties": False,
        "properties": {
            **_VOICE_PROPERTIES,
            "channel": {"type": "string", "enum": list(CHANNELS), "default": "api", "description": "受付経路"},
            "received_at": {**_DATETIME, "description": "受付日時（タイムゾーン付き、1990年以降、既定は現在）"},
            "meeting_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "description": "会合の id（経路は meeting）"},
            "speaker_category": {"type": "string", "maxLength": 32, "description": "発言者区分"},
            "section": {"type": "string", "description": "担当課の名前（機構改革で改称・統合された課は前の名前でも可）。指定すると自動分類より優先する"},
        },
    },
    "Receipt": {
        "type": "object", "required": ["receipt_no", "access_code", "status_url"], "additionalProperties": False,
        "properties": {
            "receipt_no": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6,}$", "description": "受付番号"},
            "access_code": {"type": "string", "pattern": "^[A-Z2-9]{8}$", "description": "確認コード"},
            "status_url": _STRING,
        },
    },
    "StaffReceipt": {
        "type": "object", "additionalProperties": False,
        "required": ["receipt_no", "access_code", "status_url", "id", "status", "channel", "meeting_id"],
        "properties": {
            "receipt_no": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6,}$"},
            "access_code": {"type": "string", "pattern": "^[A-Z2-9]{8}$"},
            "status_url": _STRING,
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "channel": {"type": "string", "enum": list(CHANNELS)},
            "meeting_id": {"type": ["integer", "null"]},
        },
    },
    "VoiceStatus": {
        "type": "object", "additionalProperties": False,
        "required": ["receipt_no", "status", "status_label", "voice_type", "received_at", "section", "due_date"],
        "properties": {
            "receipt_no": _STRING,
            "status": {"type": "string", "enum": list(STATUSES)},
            "status_label": {"type": "string", "enum": list(STATUSES.values())},
            "voice_type": {"type": "string", "enum": list(VOICE_TYPES)},
            "received_at": _DATETIME,
            "section": {**_NULLABLE_STRING, "description": "担当課（振り分け待ちの間は null）"},
            "due_date": {**_NULLABLE_DATE, "description": "回答予定日（回答済・完了・対応なしのとき、または未定のときは null）"},
        },
    },
    "VoiceItem": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "receipt_no", "channel", "voice_type", "status", "section", "subject", "body", "district",
                     "received_at", "due_date", "meeting_id"],
        "properties": {
            "id": {"type": "integer"}, "receipt_no": _STRING,
            "channel": {"type": "string", "enum": list(CHANNELS)},
            "voice_type": {"type": "string", "enum": list(VOICE_TYPES)},
            "status": {"type": "string", "enum": list(STATUSES)},
            "section": {**_NULLABLE_STRING, "description": "担当課（統合された課の声は、統合前の課の名前）"},
            "subject": {**_STRING, "description": "件名（市民が書いたとおり）"},
            "body": {**_STRING, "description": "本文（市民が書いたとおり。氏名や連絡先を含むことがある）"},
            "district": _STRING,
            "received_at": _DATETIME, "due_date": _NULLABLE_DATE, "meeting_id": {"type": ["integer", "null"]},
        },
    },
    "VoiceList": {
        "type": "object", "required": ["items", "total", "page", "per_page"], "additionalProperties": False,
        "properties": {"items": {"type": "array", "items": _ref("VoiceItem")}, "total": {"type": "integer"},
                       "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1}},
    },
    "MeetingSubmission": {
        "type": "object", "required": ["name", "held_on"], "additionalProperties": False,
        "properties": {"name": {"type": "string", "maxLength": 200, **_NOT_BLANK}, "kind": {"type": "string", "enum": list(MEETING_KINDS)},
                       "held_on": {"type": "string", "format": "date"}, "place": {"type": "string", "maxLength": 200},
                       "note": _STRING},
    },
    "Meeting": {
        "type": "object", "required": ["id", "name", "kind", "held_on", "place"], "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "name": _STRING, "kind": {"type": "string", "enum": list(MEETING_KINDS)},
                       "held_on": {"type": "string", "format": "date"}, "place": _STRING},
    },
    "MeetingList": {
        "type": "object", "required": ["items"], "additionalProperties": False,
        "properties": {"items": {"type": "array", "items": _ref("Meeting")}},
    },
    "Health": {
        "type": "object", "required": ["status", "database", "queue", "model"], "additionalProperties": False,
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded"]},
            "database": {"type": "object", "required": ["ok", "dialect"], "additionalProperties": False,
                         "properties": {"ok": {"type": "boolean"}, "dialect": _STRING, "error": _STRING}},
            "queue": {"type": "object", "required": ["backend", "ok", "outbox_pending"], "additionalProperties": False,
                      "properties": {"backend": {"type": "string", "enum": ["inline", "rq"]}, "ok": {"type": "boolean"},
                                     "outbox_pending": {"type": ["integer", "null"]},
                                     "workers": {"type": "object", "additionalProperties": {"type": "integer"},
                                                 "description": "キューごとの待ち受け中のワーカー数（RQ のとき）"},
                                     "queues_without_worker": {"type": "array", "items": _STRING},
                                     "circuit": {
                                         "type": "object", "required": ["state", "retry_in"],
                                         "additionalProperties": False,
                                         "description": "この Web プロセスが Redis を使うか（RQ のとき）。open: 直前に Redis が"
                                                        "応答しなかったため、retry_in 秒後まで Redis に問い合わせずジョブを送信待ちに残す",
                                         "properties": {"state": {"type": "string", "enum": ["closed", "open", "half-open"]},
                                                        "retry_in": {"type": "number"}}}}},
            "model": {"type": "object", "required": ["ok", "version"], "additionalProperties": False,
                      "properties": {"ok": {"type": "boolean"}, "version": {"type": ["string", "null"]},
                                     "error": _STRING}},
        },
    },
}


def _optional_may_be_null(schema: dict[str, Any]) -> None:
    """The API reads null as "not sent" for a field that is not required: the document says so too."""
    for name, prop in schema["properties"].items():
        if name not in schema.get("required", ()):
            nullable = {**prop, "type": [prop["type"], "null"]}
            if "enum" in prop:
                nullable["enum"] = [*prop["enum"], None]
            schema["properties"][name] = nullable


for _submission in ("VoiceSubmission", "StaffVoiceSubmission", "MeetingSubmission"):
    _optional_may_be_null(SCHEMAS[_submission])

_BEARER = [{"apiToken": []}]
_RATE_LIMITED = _error("短時間の送信が多すぎる（利用者の IP アドレスごとの上限。Retry-After ヘッダーを参照）")
_UNAUTHORIZED = _error("API トークンがない、無効、または有効期限切れ（期限切れのときは message にそう書き、期限を示す）")


def _staff_errors(scope: str, forbidden: str = "") -> dict[str, Any]:
    return {"401": _UNAUTHORIZED, "403": _error(f"API トークンに権限 {scope} がない{forbidden}"), "429": _RATE_LIMITED}


def document() -> dict[str, Any]:
    """The OpenAPI document as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "みらいボイス API", "version": "1",
            "description": "市民の声の受付・状況確認と、連携システム向けの職員用 API。エラーは JSON で、"
                           "項目ごとのメッセージを fields に返す。",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/health": {"get": {
                "operationId": "health", "summary": "データベース・ジョブキュー・ワーカー・分類モデルの状態",
                "responses": {"200": _json(_ref("Health"), "稼働中"), "503": _json(_ref("Health"), "データベースに接続できない")},
            }},
            "/openapi.json": {"get": {
                "operationId": "openapi", "summary": "この API の OpenAPI 文書",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 文書")},
            }},
            "/voices": {"post": {
                "operationId": "submitVoice", "summary": "市民の声を送る（Webフォームと同じ検証と送信回数の上限）",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("VoiceSubmission")}}},
                "responses": {
                    "201": _json(_ref("Receipt"), "受け付けた"),
                    "200": _json(_ref("Receipt"), "同じ client_token で受付済み（最初の受付を返す）"),
                    "400": _error("入力に誤りがある（fields に項目ごとのメッセージ）"),
                    "413": _error("送信内容が大きすぎる"),
                    "429": _RATE_LIMITED,
                },
            }},
            "/voices/{receipt_no}": {"get": {
                "operationId": "voiceStatus", "summary": "受付番号と確認コードで対応状況を確認する",
                "parameters": [
                    {"name": "receipt_no", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "受付番号（例：2026-000123）"},
                    {"name": "code", "in": "query", "required": True, "schema": {"type": "string", **_NOT_BLANK},
                     "description": "確認コード（8文字）"},
                ],
                "responses": {
                    "200": _json(_ref("VoiceStatus"), "対応状況"),
                    "400": _error("確認コードがない"),
                    "404": _error("受付番号または確認コードが違う（どちらが違うかは答えない）"),
                    "429": _RATE_LIMITED,
                },
            }},
            "/staff/voices": {
                "post": {
                    "operationId": "staffCreateVoice", "summary": "連携システムから声を登録する（経路・会合・担当課を指定できる）",
                    "security": _BEARER,
                    "requestBody": {"required": True,
                                    "content": {"application/json": {"schema": _ref("StaffVoiceSubmission")}}},
                    "responses": {"201": _json(_ref("StaffReceipt"), "受け付けた"),
                                  "200": _json(_ref("StaffReceipt"), "同じ client_token で受付済み"),
                                  "400": _error("入力に誤りがある"), **_staff_errors("voices:create")},
                },
                "get": {
                    "operationId": "staffListVoices", "summary": "課ごとの声の一覧（氏名・連絡先の項目を除く、新しい順。件名と本文は市民が書いたとおり）",
                    "description": "指定した課にいま割り当てられている声（機構改革でその課に統合された課の声を含む。"
                                   "転送されてほかの課に移った声は含まない）。件名と本文には市民が書いた氏名や連絡先が"
                                   "含まれることがあるため、トークンが読める課は管理者が発行時に選ぶ（すべての課を読める"
                                   "トークンは管理者がそれを明示して選んだときだけ）。読めない課を指定すると 403。",
                    "security": _BEARER,
                    "parameters": [
                        {"name": "section", "in": "query", "required": True, "schema": {"type": "string", **_NOT_BLANK},
                         "description": "課の名前（例：生活環境課）。機構改革で改称・統合された課は前の名前でも可（いま"
                                        "その事務を担当する課の一覧になる）"},
                        {"name": "status", "in": "query", "required": False,
                         "schema": {"type": "string", "enum": list(STATUSES)}},
                        {"name": "page", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "default": 1}},
                        {"name": "per_page", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                    ],
                    "responses": {"200": _json(_ref("VoiceList"), "声の一覧"), "400": _error("条件に誤りがある"),
                                  **_staff_errors("voices:read", "、またはトークンがその課の声を読めない")},
                },
            },
            "/staff/meetings": {
                "get": {
                    "operationId": "staffListMeetings", "summary": "会合の一覧（新しい順、200件まで）", "security": _BEARER,
                    "responses": {"200": _json(_ref("MeetingList"), "会合の一覧"), **_staff_errors("voices:read")},
                },
                "post": {
                    "operationId": "staffCreateMeeting", "summary": "会合を登録する", "security": _BEARER,
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("MeetingSubmission")}}},
                    "responses": {"201": _json(_ref("Meeting"), "登録した"), "400": _error("入力に誤りがある"),
                                  **_staff_errors("voices:create")},
                },
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"apiToken": {
                "type": "http", "scheme": "bearer",
                "description": "管理者が発行する API トークン（管理画面の「API トークン」または `flask --app web api-token issue`）。権限: "
                               + "、".join(f"{k}（{v}）" for k, v in API_SCOPES.items())
                               + f"。有効期限は発行時に {'・'.join(str(d) for d in TOKEN_LIFETIMES_DAYS)} 日から選ばれ（無期限はない）、"
                                 "過ぎると 401。voices:read のトークンは、発行時に選ばれた課の声だけを読める"
                                 "（すべての課を読めるのは、管理者がそれを選んだトークンだけ）。",
            }},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI document of this API."""
    return jsonify(document())
