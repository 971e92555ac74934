"""Thin views: the counter form (with its live-suggestion endpoint) and the meeting pages."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from models import Meeting, Voice, active_sections, db
from voices.access import visible_voices
from voices.dates import parse_date_text
from voices.intake import IntakeError, submit
from voices.meetings import MeetingInput, add_remark, create_meeting, recent_meetings
from voices.receipt import namespaced_token, new_client_token
from voices.suggest import Suggestions, suggestions_for
from voices.validation import VoiceInput
from web.auth import roles_required
from web.counter import INTAKE_ROLES, bp
from web.counter.forms import COUNTER_CHANNELS, CounterForm, MeetingForm, RemarkForm
from web.counter.resume import RESUMED_NOTICE, keeps_input_when_signed_out

JST = ZoneInfo("Asia/Tokyo")
SUGGEST_TEXT_MAX = 4000
EXPIRED_NOTICE = "画面を開いてから時間がたったため、保存できませんでした。入力内容はそのまま残っています。もう一度保存してください。"

COUNTER_LABELS = {
    "channel": "経路", "received_at": "受付日時", "voice_type": "種別", "subject": "件名", "body": "内容",
    "section_name": "担当課", "meeting_id": "会合", "name": "氏名", "phone": "電話番号", "email": "メールアドレス",
    "district": "地区", "age_group": "年代", "wants_reply": "回答の希望",
}


def _now_local() -> str:
    return datetime.now(JST).strftime("%Y-%m-%dT%H:%M")


def parse_local_datetime(text: str) -> datetime | None:
    """``2026-05-20T10:30`` (what a datetime-local input sends) or ``2026-05-20 10:30``, in JST."""
    text = (text or "").strip().replace(" ", "T")
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=JST)
        except ValueError:
            continue
    return None


def _section_choices() -> list[SelectChoice]:
    return [SelectChoice("", "自動（おすすめに従う）")] + [
        SelectChoice(s.name, f"{s.department.name} {s.name}") for s in active_sections()]


def _meeting_choices() -> list[SelectChoice]:
    return [SelectChoice("", "（なし）")] + [
        SelectChoice(str(m.id), f"{m.held_on.isoformat()} {m.name}") for m, _ in recent_meetings(100)]


def _prepare(form: CounterForm) -> CounterForm:
    form.section_name.choices = _section_choices()
    form.meeting_id.choices = _meeting_choices()
    return form


def _render(form: CounterForm, *, errors=None, suggestions: Suggestions | None = None, notice: str | None = None):
    return render_template(
        "counter/form.html", form=form, errors=errors or {}, labels=COUNTER_LABELS,
        suggestions=suggestions, notice=notice, last=session.get("counter_receipt"),
    )


def render_after_expired_form():
    """Re-show the counter form with what was typed, after a CSRF failure (nothing is stored): staff keep the
    form open all day, and the consultation typed into it must survive the token's expiry. None for whoever
    may not use the form (the CSRF check runs before the view's own role check)."""
    if not current_user.is_authenticated or current_user.role not in INTAKE_ROLES:
        return None
    return _render(_prepare(CounterForm(formdata=request.form, meta={"csrf": True})), notice=EXPIRED_NOTICE)


def render_resumed_form(carry: dict[str, str]):
    """The counter form filled in with what a sign-in page carried (``web.counter.resume``), unsaved, for
    the staff who just signed in; None for whoever may not use the form."""
    if not carry or not current_user.is_authenticated or current_user.role not in INTAKE_ROLES:
        return None
    return _render(_prepare(CounterForm(formdata=MultiDict(carry))), notice=RESUMED_NOTICE)


def _input_from(form: CounterForm) -> tuple[VoiceInput, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    received_at = parse_local_datetime(form.received_at.data or "")
    if form.received_at.data and received_at is None:
        errors["received_at"] = ["受付日時の形式が正しくありません（例：2026-05-20 10:30）。"]
    channel = form.channel.data or "counter"
    if channel not in COUNTER_CHANNELS:
        errors["channel"] = ["経路を一覧から選んでください。"]
    meeting_id = None
    if form.meeting_id.data:
        try:
            meeting_id = int(form.meeting_id.data)
        except ValueError:
            errors["meeting_id"] = ["会合を一覧から選んでください。"]
    data = VoiceInput(
        body=form.body.data or "", voice_type=form.voice_type.data or "", channel=channel,
        subject=form.subject.data or "", name=form.name.data or "", email=form.email.data or "",
        phone=form.phone.data or "", district=form.district.data or "", age_group=form.age_group.data or "",
        wants_reply=bool(form.wants_reply.data), received_at=received_at, client_token=namespaced_token("staff", form.client_token.data),
        created_by_id=current_user.id, section_name=form.section_name.data or "", meeting_id=meeting_id,
    )
    return data, errors


@bp.route("/counter", methods=["GET", "POST"])
@keeps_input_when_signed_out
@roles_required(*INTAKE_ROLES)
def form():
    """The counter/phone form: save and start the next one, or show the suggestions (without JavaScript)."""
    form = _prepare(CounterForm())
    if request.method == "GET":
        form.client_token.data = new_client_token()
        channel = request.args.get("channel", "counter")
        form.channel.data = channel if channel in COUNTER_CHANNELS else "counter"
        form.meeting_id.data = request.args.get("meeting_id", "")
        if form.meeting_id.data:
            form.channel.data = "meeting"
        form.received_at.data = _now_local()
        return _render(form)
    if not form.validate_on_submit():
        return _render(form, notice=EXPIRED_NOTICE), 400
    action = request.form.get("action", "save_next")
    if action == "suggest":
        return _render(form, suggestions=suggestions_for(_text_of(form.subject.data, form.body.data), current_user))
    data, errors = _input_from(form)
    if errors:
        return _render(form, errors=errors), 422
    try:
        receipt = submit(data, actor_label=current_user.display_name, new_token_if_reused=True)
    except IntakeError as error:
        return _render(form, errors=error.errors), 422
    session["counter_receipt"] = {"voice_id": receipt.voice_id, "receipt_no": receipt.receipt_no,
                                  "access_code": receipt.access_code}
    flash(f"受付番号 {receipt.receipt_no} で受け付けました。")
    if action == "save":
        return redirect(url_for("staff.voice", voice_id=receipt.voice_id), code=303)
    return redirect(url_for("counter.form", channel=data.channel,
                            meeting_id=data.meeting_id or None), code=303)


def _text_of(subject: str | None, body: str | None) -> str:
    subject, body = (subject or "").strip(), (body or "").strip()
    return f"{subject}\n{body}" if subject else body


@bp.post("/counter/suggest")
@roles_required(*INTAKE_ROLES)
def suggest():
    """JSON for the live panel: {"sections": […], "measures": […], "similar": […]}."""
    payload = request.get_json(silent=True)
    text = payload.get("text") if isinstance(payload, dict) else None  # a JSON array or number has no text
    if not isinstance(text, str):
        return jsonify(error="validation_error", fields={"text": ["文字列で指定してください。"]}), 400
    return jsonify(suggestions_for(text[:SUGGEST_TEXT_MAX], current_user).as_json())


# --- meetings -------------------------------------------------------------------------------------


@bp.route("/meetings", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES)
def meetings():
    """The list of meetings and the form for a new one."""
    form = MeetingForm()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        held_on = parse_date_text(form.held_on.data or "")  # as import files accept dates: 2026/5/20, 令和…
        try:
            meeting = create_meeting(MeetingInput(
                name=form.name.data or "", kind=form.kind.data or "", held_on=held_on,
                place=form.place.data or "", note=form.note.data or ""), current_user)
        except IntakeError as error:
            errors = error.errors
        else:
            flash(f"会合「{meeting.name}」を登録しました。発言を入力してください。")
            return redirect(url_for("counter.meeting", meeting_id=meeting.id), code=303)
    return render_template("counter/meetings.html", form=form, errors=errors, meetings=recent_meetings(200),
                           labels={"name": "名称", "kind": "種別", "held_on": "開催日", "place": "場所"}), \
        422 if errors else 200


@bp.route("/meetings/<int:meeting_id>", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES)
def meeting(meeting_id: int):
    """A meeting, its remarks (those the user may see) and a quick form for the next remark."""
    item = db.session.get(Meeting, meeting_id)
    if item is None:
        abort(404)
    form = RemarkForm()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        data = VoiceInput(body=form.body.data or "", voice_type=form.voice_type.data or "",
                          speaker_category=form.speaker_category.data or "", district=form.district.data or "",
                          client_token=namespaced_token("staff", form.client_token.data))
        try:
            receipt = add_remark(item, data, current_user)
        except IntakeError as error:
            errors = error.errors
        else:
            flash(f"発言を受付番号 {receipt.receipt_no} で登録しました。")
            return redirect(url_for("counter.meeting", meeting_id=item.id, _anchor="remark-form"), code=303)
    else:
        form.voice_type.data = "意見"
    if not errors:
        form.client_token.data = new_client_token()
    remarks = db.session.scalars(
        visible_voices(current_user).where(Voice.meeting_id == item.id).order_by(Voice.id)).all()
    total = db.session.query(Voice.id).filter(Voice.meeting_id == item.id).count()
    return render_template("counter/meeting.html", meeting=item, form=form, errors=errors, remarks=remarks,
                           total=total, labels={"body": "発言内容", "voice_type": "種別",
                                                "speaker_category": "発言者区分", "district": "地区",
                                                "received_at": "受付日時（開催日）"}), \
        422 if errors else 200


# --- 似た声 on a voice's page ------------------------------------------------------------------------


@bp.app_template_global("similar_voices_for")
def similar_voices_for(voice: Voice) -> list[dict]:
    """The stored 似た声 links of ``voice`` for templates: earlier voices it resembles and later ones
    that resemble it, with a link only where the signed-in user may open the other voice."""
    from models import SimilarVoice

    rows = db.session.execute(
        select(SimilarVoice.similar_voice_id, SimilarVoice.score).where(SimilarVoice.voice_id == voice.id)
        .union_all(select(SimilarVoice.voice_id, SimilarVoice.score).where(SimilarVoice.similar_voice_id == voice.id))
    ).all()
    best: dict[int, float] = {}
    for other_id, score in rows:
        best[other_id] = max(score, best.get(other_id, 0.0))
    if not best:
        return []
    others = db.session.scalars(select(Voice).where(Voice.id.in_(list(best)))).all()
    visible = set(db.session.scalars(
        visible_voices(current_user).with_only_columns(Voice.id).where(Voice.id.in_(list(best)))))
    items = [{"id": v.id, "receipt_no": v.receipt_no, "received_at": v.received_at, "status_label": v.status_label,
              "section": v.section.name if v.section else "", "score": best[v.id], "visible": v.id in visible,
              "earlier": v.id < voice.id, "excerpt": " ".join(v.body.split())[:60]} for v in others]
    return sorted(items, key=lambda item: -item["score"])[:10]
