"""JSON API for voices: public submission and status, and staff endpoints behind API tokens.

Every submission goes through ``voices.intake.submit`` with the same validation as the web form;
errors are ``{"error": …, "message": …, "fields": {field: [message, …]}}``. The OpenAPI document
(web/api/openapi.py) describes each endpoint and is checked against real responses by the tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any

from flask import current_app, g, jsonify, request, url_for
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge

from models import CHANNELS, STATUSES, Meeting, Section, Voice, db, section_names_now, sections_handled_by
from voices.dates import EARLIEST_DATE
from voices.intake import IntakeError, submit
from voices.meetings import MeetingInput, create_meeting
from voices.receipt import CLIENT_TOKEN
from voices.status import lookup_status
from voices.validation import VoiceInput, strip_control_chars
from web.abuse import status_limit, submit_limit
from web.api import bp
from web.api.tokens import TokenExpired, authenticate, may_read_section, token_from_header
from web.extensions import limiter
from web.filters import jp_datetime

PER_PAGE_MAX = 200


class ApiError(Exception):
    """An error answered as JSON with ``status``."""

    def __init__(self, status: int, error: str, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status, self.error, self.message, self.fields = status, error, message, fields


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    body: dict[str, Any] = {"error": error.error, "message": error.message}
    if error.fields is not None:
        body["fields"] = error.fields
    response = jsonify(body)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mirai-voice"'
    return response


def validation_error(fields: dict[str, list[str]]) -> ApiError:
    return ApiError(400, "validation_error", "入力内容に誤りがあります。", fields)


@dataclass(frozen=True)
class Field:
    kind: type
    label: str


PUBLIC_FIELDS: dict[str, Field] = {
    "voice_type": Field(str, "種別"), "body": Field(str, "内容"), "subject": Field(str, "件名"),
    "name": Field(str, "氏名"), "email": Field(str, "メールアドレス"), "phone": Field(str, "電話番号"),
    "district": Field(str, "地区"), "age_group": Field(str, "年代"), "wants_reply": Field(bool, "回答の希望"),
    "consent_privacy": Field(bool, "個人情報の取扱いへの同意"), "consent_publish": Field(bool, "公開への同意"),
    "client_token": Field(str, "送信の識別子"),
}
STAFF_FIELDS: dict[str, Field] = {
    **PUBLIC_FIELDS,
    "channel": Field(str, "受付経路"), "received_at": Field(datetime, "受付日時"),
    "meeting_id": Field(int, "会合"), "speaker_category": Field(str, "発言者区分"), "section": Field(str, "担当課"),
}
MEETING_FIELDS: dict[str, Field] = {
    "name": Field(str, "名称"), "kind": Field(str, "種別"), "held_on": Field(str, "開催日"),
    "place": Field(str, "場所"), "note": Field(str, "メモ"),
}
_TYPE_MESSAGES = {str: "文字列で指定してください。", bool: "true か false で指定してください。",
                  int: "整数で指定してください。",
                  datetime: "タイムゾーン付きの日時（ISO 8601、例：2026-05-20T10:30:00+09:00）で指定してください。"}


def parse_body(spec: dict[str, Field], check=None) -> dict[str, Any]:
    """The request's JSON object checked against ``spec``: known fields of the right type only.

    ``check(values, errors)`` may add messages of its own, so that every problem is reported at once.
    """
    data = _json_body()
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "JSON オブジェクトを Content-Type: application/json で送ってください。")
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in data.items():
        field = spec.get(name)
        if field is None:
            errors[name] = ["不明な項目です。"]
            continue
        if value is None:
            continue
        if field.kind is datetime:
            parsed = _parse_datetime(value)
            if parsed is None:
                errors[name] = [_TYPE_MESSAGES[datetime]]
            elif not _storable(parsed):
                errors[name] = [f"{field.label}は{EARLIEST_DATE.year}年1月1日から現在までの日時で指定してください。"]
            else:
                values[name] = parsed
        elif field.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            errors[name] = [_TYPE_MESSAGES[int]]
        elif field.kind is not int and not isinstance(value, field.kind):
            errors[name] = [_TYPE_MESSAGES[field.kind]]
        else:
            values[name] = value
    token = values.get("client_token")
    if token is not None and not CLIENT_TOKEN.fullmatch(token):
        errors["client_token"] = ["英数字・ハイフン・下線の16〜48文字で指定してください。"]
    if check is not None:
        check(values, errors)
    if errors:
        raise validation_error(errors)
    return values


def _json_body() -> Any:
    """The request's JSON document, or None when it is not JSON or cannot be read.

    A streamed (chunked) body has no Content-Length for Werkzeug to refuse, and its reader stops quietly at
    ``MAX_CONTENT_LENGTH``: a body that reaches the cap is refused as too large rather than parsed cut short.
    """
    if not request.is_json:
        return None
    cap = request.max_content_length
    if request.content_length is None and cap is not None and len(request.get_data()) >= cap:
        raise RequestEntityTooLarge()
    try:
        return request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser can follow
        return None


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _storable(moment: datetime) -> bool:
    """Whether ``moment`` is no older than imports accept and can be stored in UTC (near year 1 or 9999 the
    conversion overflows); validation judges the rest, such as a moment in the future."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return moment.year >= EARLIEST_DATE.year


def _voice_input(values: dict[str, Any], **extra: Any) -> VoiceInput:
    fields = {k: v for k, v in values.items() if k in PUBLIC_FIELDS and k != "client_token"}
    return VoiceInput(body=fields.pop("body", ""), voice_type=fields.pop("voice_type", ""), **fields, **extra)


def _intake_fields(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Intake's field names as the API names them."""
    renamed = {"section_name": "section"}
    return {renamed.get(name, name): messages for name, messages in errors.items()}


def _receipt_body(receipt, voice: Voice | None = None) -> dict[str, Any]:
    body = {"receipt_no": receipt.receipt_no, "access_code": receipt.access_code,
            "status_url": url_for("api.voice_status", receipt_no=receipt.receipt_no)}
    if voice is not None:
        body.update(id=voice.id, status=voice.status, channel=voice.channel, meeting_id=voice.meeting_id)
    return body


# --- public -----------------------------------------------------------------------------------------


@bp.post("/voices")
@submit_limit
def submit_voice():
    """A citizen's voice from another front end (the same validation and limits as the web form)."""
    values = parse_body(PUBLIC_FIELDS)
    token = values.get("client_token")
    try:
        receipt = submit(_voice_input(values, channel="api", client_token=f"api-{token}" if token else None),
                         actor_label="api")
    except IntakeError as error:
        raise validation_error(_intake_fields(error.errors)) from None
    return jsonify(_receipt_body(receipt)), 200 if receipt.duplicate else 201


@bp.get("/voices/<receipt_no>")
@status_limit
def voice_status(receipt_no: str):
    """The status of a voice for its 受付番号 and 確認コード (the same answer for a wrong number or code)."""
    code = request.args.get("code", "")
    if not code.strip():
        raise validation_error({"code": ["確認コードを指定してください。"]})
    found = lookup_status(receipt_no, code)
    if found is None:
        raise ApiError(404, "not_found", "受付番号または確認コードが違います。")
    return jsonify(
        receipt_no=found.receipt_no, status=found.status, status_label=found.status_label,
        voice_type=found.voice_type, received_at=found.received_at.isoformat(),
        section=found.section_name, due_date=found.due_date.isoformat() if found.due_date else None,
    )


# --- staff (API tokens) -------------------------------------------------------------------------------


def _token_key() -> str:
    token = getattr(g, "api_token", None)
    return f"token:{token.id}" if token is not None else f"ip:{request.remote_addr}"


def _token_limit() -> str:
    return current_app.config["RATE_LIMIT_API_TOKEN"]


def token_required(scope: str):
    """Require an active API token with ``scope``; the token's own rate limit applies. An expired token
    gets the same 401 as an invalid one, with a message that says it expired and when."""
    def decorator(view):
        limited = limiter.limit(_token_limit, key_func=_token_key)(view)

        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization")
            try:
                token = authenticate(token_from_header(header))
            except TokenExpired as expired:
                raise ApiError(401, "unauthorized", f"API トークンの有効期限（{jp_datetime(expired.token.expires_at)}）が"
                               "切れています。管理者に新しいトークンの発行を依頼してください。") from None
            if token is None:
                message = "API トークンが必要です。" if not header else "API トークンが無効です。"
                raise ApiError(401, "unauthorized", message)
            if scope not in (token.scopes or []):
                raise ApiError(403, "forbidden", f"この API トークンには権限（{scope}）がありません。")
            g.api_token = token
            return limited(*args, **kwargs)
        return wrapped
    return decorator


@bp.post("/staff/voices")
@token_required("voices:create")
def staff_create_voice():
    """A voice from an integration (an online-form service, a call-centre system): any channel, a meeting."""
    def check_channel(values: dict, errors: dict) -> None:
        if values.get("channel", "api") not in CHANNELS:
            errors["channel"] = [f"受付経路は {', '.join(CHANNELS)} のいずれかで指定してください。"]

    values = parse_body(STAFF_FIELDS, check_channel)
    token = values.get("client_token")
    channel = values.get("channel", "api")
    section = values.get("section", "").strip()  # a 課 renamed or merged at a 機構改革 reaches the one handling it now
    data = _voice_input(
        values, channel=channel, received_at=values.get("received_at"), meeting_id=values.get("meeting_id"),
        speaker_category=values.get("speaker_category", ""), section_name=section_names_now().get(section, section),
        client_token=f"tok{g.api_token.id}-{token}" if token else None,
    )
    try:
        receipt = submit(data, actor_label=f"API:{g.api_token.name}"[:64])
    except IntakeError as error:
        raise validation_error(_intake_fields(error.errors)) from None
    voice = db.session.get(Voice, receipt.voice_id)
    return jsonify(_receipt_body(receipt, voice)), 200 if receipt.duplicate else 201


@bp.get("/staff/voices")
@token_required("voices:read")
def staff_list_voices():
    """Voices of one 課 (the current primary assignment, with the finished voices of 課 merged into it),
    newest first; without the name and contact fields (subject and body as the citizen wrote them). A token
    restricted to some 課 is refused any other."""
    section_name = strip_control_chars(request.args.get("section", ""), multiline=False).strip()
    errors: dict[str, list[str]] = {}
    section = _section_now(section_name) if section_name else None
    if not section_name:
        errors["section"] = ["課の名前を指定してください（例：生活環境課）。"]
    elif section is None:
        errors["section"] = [f"課「{section_name}」は登録されていません。"]
    status = request.args.get("status", "")
    if status and status not in STATUSES:
        errors["status"] = [f"状態は {', '.join(STATUSES)} のいずれかで指定してください。"]
    page = _int_arg("page", 1, 1, 10**6, errors)
    per_page = _int_arg("per_page", 50, 1, PER_PAGE_MAX, errors)
    if errors:
        raise validation_error(errors)
    if not may_read_section(g.api_token, section):
        now = f"（現在の担当は{section.name}）" if section.name != section_name else ""
        raise ApiError(403, "forbidden", f"この API トークンでは課「{section_name}」{now}の声は読めません。")
    query = select(Voice).where(Voice.section_id.in_(sections_handled_by(section.id)))
    if status:
        query = query.where(Voice.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    voices = db.session.scalars(query.order_by(Voice.received_at.desc(), Voice.id.desc())
                                .offset((page - 1) * per_page).limit(per_page)).all()
    return jsonify(items=[_voice_item(v) for v in voices], total=total, page=page, per_page=per_page)


def _section_now(name: str) -> Section | None:
    """The 課 that handles today what ``name`` names: a 課 by its name, or by the name it had before a
    機構改革 (renamed, or merged into another); a 課 retired without a successor is itself."""
    return db.session.scalar(select(Section).where(Section.name == section_names_now().get(name, name)))


def _int_arg(name: str, default: int, low: int, high: int, errors: dict) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        errors[name] = [f"{low}から{high}までの整数で指定してください。"]
        return default
    return value


def _voice_item(voice: Voice) -> dict[str, Any]:
    return {
        "id": voice.id, "receipt_no": voice.receipt_no, "channel": voice.channel, "voice_type": voice.voice_type,
        "status": voice.status, "section": voice.section.name if voice.section else None,
        "subject": voice.subject, "body": voice.body, "district": voice.district,
        "received_at": voice.received_at.isoformat(), "due_date": voice.due_date.isoformat() if voice.due_date else None,
        "meeting_id": voice.meeting_id,
    }


@bp.get("/staff/meetings")
@token_required("voices:read")
def staff_list_meetings():
    """Meetings, newest first, so an integration can link remarks to them."""
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(200))
    return jsonify(items=[_meeting_item(m) for m in meetings])


@bp.post("/staff/meetings")
@token_required("voices:create")
def staff_create_meeting():
    values = parse_body(MEETING_FIELDS)
    held_on = None
    if "held_on" in values:
        try:
            held_on = date.fromisoformat(values["held_on"])
        except ValueError:
            raise validation_error({"held_on": ["開催日は YYYY-MM-DD で指定してください。"]}) from None
    try:
        meeting = create_meeting(MeetingInput(
            name=values.get("name", ""), kind=values.get("kind", "その他"), held_on=held_on,
            place=values.get("place", ""), note=values.get("note", "")), None)
    except IntakeError as error:
        raise validation_error(error.errors) from None
    return jsonify(_meeting_item(meeting)), 201


def _meeting_item(meeting: Meeting) -> dict[str, Any]:
    return {"id": meeting.id, "name": meeting.name, "kind": meeting.kind, "held_on": meeting.held_on.isoformat(),
            "place": meeting.place}
