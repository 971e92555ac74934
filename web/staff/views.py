"""Thin staff views over the scoped accessor and the routing services."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from models import EDITABLE_REPLY_STATES, Reply, ReplyTemplate, Voice, active_sections, db, utcnow
from routing import replies, workflow
from routing.service import RoutingError, assign_by_hand
from routing.tarai import forward_counts_by_section, voices_bouncing
from voices.access import PermissionDenied, allowed_actions, can_see_personal_data, visible_voices
from voices.login import LoginRefused, authenticate
from voices.queue import QueueFilter, queue_query, status_counts
from voices.search import excerpt
from web.auth import begin_session, client_address, end_session, roles_required
from web.counter.resume import SIGNED_OUT_NOTICE, carried_input
from web.counter.views import render_resumed_form
from web.extensions import limiter
from web.staff import bp
from web.staff.forms import (
    ActionForm,
    AssignForm,
    ForwardForm,
    LoginForm,
    NoActionForm,
    NoteForm,
    QueueFilterForm,
    RelatedForm,
    ReplyForm,
    ReturnForm,
    SendForm,
)

JST = ZoneInfo("Asia/Tokyo")
QUEUE_ROLES = ("section_staff", "section_head", "hearing", "admin")


def today_jst() -> date:
    """Today in Japan."""
    return utcnow().astimezone(JST).date()


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("staff.home")


def _login_limit() -> str:
    return current_app.config["RATE_LIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    error = None
    carry = carried_input()  # a counter consultation typed before the session ended (web.counter.resume)
    if form.validate_on_submit():
        try:
            user = authenticate(form.login_id.data, form.password.data, client_address())
        except LoginRefused as refused:
            error = str(refused)
        else:
            begin_session(user)
            resumed = render_resumed_form(carry)
            if resumed is not None:
                return resumed
            return redirect(_safe_next(request.args.get("next")))
    notice = SIGNED_OUT_NOTICE if carry else None
    return render_template("staff/login.html", form=form, error=error, carry=carry, notice=notice), \
        200 if error is None else 401


@bp.post("/logout")
@login_required
def logout():
    end_session("logout")
    flash("ログアウトしました。")
    return redirect(url_for("staff.login"))


@bp.get("/")
@login_required
def home():
    """Each role starts where its daily work is."""
    if current_user.role == "hearing":
        return redirect(url_for("staff.triage"))
    if current_user.role in QUEUE_ROLES:
        return redirect(url_for("staff.queue"))
    if current_user.role == "counter":
        return redirect(url_for("counter.form"))
    if current_user.role == "planner":
        return redirect(url_for("planner.index"))
    return render_template("staff/home.html")


def _queue_filter(form: QueueFilterForm) -> QueueFilter:
    return QueueFilter(
        tab=form.tab.data or "own", status=form.status.data or "open", voice_type=form.voice_type.data or "",
        channel=form.channel.data or "", measure=(form.measure.data or "").strip().upper(),
        overdue=bool(form.overdue.data), date_from=form.date_from.usable, date_to=form.date_to.usable,
        q="" if form.q.errors else form.q.data or "",
    )


@bp.get("/queue")
@roles_required(*QUEUE_ROLES)
def queue():
    """The 課's voices (or those shared with it), filtered, soonest due first."""
    form = QueueFilterForm(request.args)
    form.validate()
    flt = _queue_filter(form)
    today = today_jst()
    voices = db.session.scalars(queue_query(current_user, flt, today).limit(500)).all()
    # with a search, each voice is shown from the word that matched
    excerpts = {v.id: excerpt(f"{v.subject} {v.body}", flt.q) for v in voices} if flt.q else {}
    return render_template("staff/queue.html", voices=voices, form=form, counts=status_counts(current_user, flt, today),
                           today=today, flt=flt, action_form=ActionForm(), excerpts=excerpts)


@bp.post("/queue/accept")
@roles_required(*QUEUE_ROLES)
def bulk_accept():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("voice_id") if v.isdigit()]
    changed = workflow.bulk_accept(ids, current_user)
    flash(f"{changed} 件を受理しました。" if changed else "受理できる声が選ばれていません。")
    return redirect(url_for("staff.queue", **request.args))


@bp.get("/triage")
@roles_required("hearing", "admin")
def triage():
    """Voices the model was unsure about, waiting for 広聴 to pick a section."""
    voices = db.session.scalars(
        visible_voices(current_user).where(Voice.status.in_(("triage", "received"))).order_by(Voice.received_at)
    ).all()
    return render_template("staff/triage.html", voices=voices)


@bp.get("/tarai")
@roles_required("hearing", "admin")
def tarai():
    """Voices passed between sections (たらい回し) and forwards per 課."""
    return render_template("staff/tarai.html", voices=voices_bouncing(), per_section=forward_counts_by_section())


def _visible_voice_or_404(voice_id: int) -> Voice:
    voice = db.session.scalar(visible_voices(current_user).where(Voice.id == voice_id))
    if voice is None:
        abort(404)
    return voice


@bp.get("/voices/<int:voice_id>")
@login_required
def voice(voice_id: int):
    return _voice_page(_visible_voice_or_404(voice_id))


def _voice_page(item: Voice, reply_form: ReplyForm | None = None, note_form: NoteForm | None = None) -> str:
    """The voice page; a form passed in is shown as the user submitted it (with its errors)."""
    show_personal = can_see_personal_data(current_user)
    if show_personal and (item.submitter_name or item.submitter_email or item.submitter_phone):
        workflow.record_personal_data_view(item, current_user)
    sections = active_sections()
    assign_form, forward_form, related_form = AssignForm(), ForwardForm(), RelatedForm()
    for form in (assign_form, related_form):
        form.section_id.choices = _section_choices(sections)
    # a forward to the 広聴 desk hands the voice back for routing (see ``workflow.forward``)
    forward_form.section_id.choices = _section_choices(sections, hearing_note="（広聴の振り分けに戻す）")
    if item.section_id:
        assign_form.section_id.data = item.section_id
    draft = next((r for r in item.replies if r.state in EDITABLE_REPLY_STATES), None)
    if reply_form is None:
        reply_form = ReplyForm(data={"body": draft.body if draft else ""})
    templates = db.session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.active.is_(True), ReplyTemplate.voice_type.in_(("", item.voice_type)))).all()
    return render_template(
        "staff/voice.html", voice=item, show_personal=show_personal, actions=allowed_actions(current_user, item),
        assign_form=assign_form, forward_form=forward_form, related_form=related_form,
        note_form=NoteForm() if note_form is None else note_form,
        reply_form=reply_form, draft=draft, return_form=ReturnForm(), send_form=SendForm(),
        no_action_form=NoActionForm(), action_form=ActionForm(), templates=templates, today=today_jst(),
    )


def _section_choices(sections: list | None = None, hearing_note: str = "") -> list[SelectChoice]:
    """The 課 to choose from (``sections``, or the active ones), the 広聴 desk's name followed by
    ``hearing_note``."""
    return [SelectChoice(s.id, f"{s.department.name} {s.name}{hearing_note if s.is_hearing else ''}")
            for s in (active_sections() if sections is None else sections)]


def _run(voice_id: int, form, action, message: str, back: str | None = None, typed_into: Field | None = None):
    """Validate CSRF, run a service action, flash the outcome, go back to the voice page (or to the queue,
    when the action took the voice out of the user's sight, as a forward to another 課 does).

    With ``typed_into`` (the text field of ``form``), a refused action shows the voice page again (422)
    with the message next to that field and the text as typed, instead of redirecting and losing it.
    """
    _visible_voice_or_404(voice_id)
    if not form.validate_on_submit():
        abort(400)
    try:
        action()
    except PermissionDenied:
        abort(403)
    except RoutingError as error:
        if typed_into is not None:
            db.session.rollback()  # the service refused before committing: show the voice as it is
            typed_into.errors.append(str(error))
            flash(str(error), "error")  # also at the top of the page, where the reloaded page starts
            forms = {"reply_form": form} if isinstance(form, ReplyForm) else {"note_form": form}
            return _voice_page(_visible_voice_or_404(voice_id), **forms), 422
        flash(str(error), "error")
    else:
        flash(message)
    return redirect(back or _voice_or_queue_url(voice_id))


def _voice_or_queue_url(voice_id: int) -> str:
    """The voice page if the user can still open it, else where their work is."""
    if db.session.scalar(visible_voices(current_user).where(Voice.id == voice_id).with_only_columns(Voice.id)):
        return url_for("staff.voice", voice_id=voice_id)
    return url_for("staff.queue") if current_user.role in QUEUE_ROLES else url_for("staff.home")


@bp.post("/voices/<int:voice_id>/assign")
@roles_required("hearing", "admin")
def assign(voice_id: int):
    form = AssignForm()
    form.section_id.choices = _section_choices()
    return _run(voice_id, form, lambda: assign_by_hand(voice_id, form.section_id.data, current_user,
                                                       (form.reason.data or "").strip()),
                "担当課を振り分けました。", back=url_for("staff.triage"))


@bp.post("/voices/<int:voice_id>/accept")
@login_required
def accept(voice_id: int):
    return _run(voice_id, ActionForm(), lambda: workflow.accept(voice_id, current_user), "受理しました。")


@bp.post("/voices/<int:voice_id>/forward")
@login_required
def forward(voice_id: int):
    form = ForwardForm()
    if workflow.forwarded_moments_ago(voice_id, form.section_id.data, current_user):
        # a double click: the first one moved the voice, perhaps out of this user's sight (no 404 for that)
        if not form.validate_on_submit():
            abort(400)
        flash("転送しました。")
        return redirect(_voice_or_queue_url(voice_id))
    return _run(voice_id, form, lambda: workflow.forward(voice_id, form.section_id.data, form.reason.data,
                                                         current_user), "転送しました。")


@bp.post("/voices/<int:voice_id>/related")
@login_required
def related(voice_id: int):
    form = RelatedForm()
    return _run(voice_id, form, lambda: workflow.add_related(voice_id, form.section_id.data, form.role.data,
                                                             current_user, form.note.data), "関係課を追加しました。")


@bp.post("/voices/<int:voice_id>/note")
@login_required
def note(voice_id: int):
    form = NoteForm()
    return _run(voice_id, form, lambda: workflow.add_note(voice_id, form.text.data, current_user), "メモを追加しました。",
                typed_into=form.text)


@bp.post("/voices/<int:voice_id>/close")
@login_required
def close(voice_id: int):
    return _run(voice_id, ActionForm(), lambda: workflow.close(voice_id, current_user), "完了にしました。")


@bp.post("/voices/<int:voice_id>/no-action")
@login_required
def no_action(voice_id: int):
    form = NoActionForm()
    return _run(voice_id, form, lambda: workflow.mark_no_action(voice_id, form.reason.data, current_user,
                                                                form.detail.data), "対応なしにしました。")


@bp.post("/voices/<int:voice_id>/reply")
@login_required
def save_reply(voice_id: int):
    form = ReplyForm()
    submit = request.form.get("submit_for_approval") == "1"

    def action():
        reply = replies.save_draft(voice_id, form.body.data, current_user)
        if submit:
            replies.submit_for_approval(reply.id, current_user)

    return _run(voice_id, form, action, "回答を承認依頼しました。" if submit else "回答の下書きを保存しました。",
                typed_into=form.body)


@bp.post("/voices/<int:voice_id>/replies/<int:reply_id>/approve")
@login_required
def approve_reply(voice_id: int, reply_id: int):
    return _run(voice_id, ActionForm(), lambda: replies.approve(_own_reply(voice_id, reply_id), current_user),
                "回答を承認しました。")


@bp.post("/voices/<int:voice_id>/replies/<int:reply_id>/return")
@login_required
def return_reply(voice_id: int, reply_id: int):
    form = ReturnForm()
    return _run(voice_id, form, lambda: replies.return_for_changes(_own_reply(voice_id, reply_id), form.reason.data,
                                                                    current_user), "回答を差し戻しました。")


@bp.post("/voices/<int:voice_id>/replies/<int:reply_id>/send")
@login_required
def send_reply(voice_id: int, reply_id: int):
    form = SendForm()
    return _run(voice_id, form, lambda: replies.send(_own_reply(voice_id, reply_id), form.method.data, current_user),
                "回答を送付しました。")


def _own_reply(voice_id: int, reply_id: int) -> int:
    """The reply id, after checking it belongs to the voice in the URL."""
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.voice_id != voice_id:
        abort(404)
    return reply_id
