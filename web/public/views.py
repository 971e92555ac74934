"""Thin views: parse the form, call the intake service, render."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for

from voices.intake import IntakeError, submit
from voices.receipt import namespaced_token, new_client_token
from voices.status import lookup_status
from voices.validation import VoiceInput, validate
from web.public import bp
from web.public.forms import VOICE_TYPE_HINTS, StatusForm, VoiceForm


def _input_from(form: VoiceForm) -> VoiceInput:
    return VoiceInput(
        body=form.body.data or "",
        voice_type=form.voice_type.data or "",
        channel="web",
        subject=form.subject.data or "",
        name=form.name.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
        district=form.district.data or "",
        age_group=form.age_group.data or "",
        wants_reply=bool(form.wants_reply.data),
        consent_privacy=bool(form.consent_privacy.data),
        consent_publish=bool(form.consent_publish.data),
        client_token=namespaced_token("web", form.client_token.data),
    )


def _render_input(form: VoiceForm, errors: dict[str, list[str]] | None = None, notice: str | None = None):
    return render_template("public/form.html", form=form, errors=errors or {},
                           hints=VOICE_TYPE_HINTS, notice=notice)


def render_after_expired_form():
    """Re-show the input page with what was typed, after a CSRF failure (nothing is stored)."""
    return render_typed_form(
        "画面を開いてから時間がたったため、送信できませんでした。内容を確認し、もう一度「確認画面へ」を押してください。"
    )


def render_typed_form(notice: str):
    """Re-show the input page with what was typed and ``notice``, for a submission refused before the view ran."""
    form = VoiceForm(formdata=request.form, meta={"csrf": True})
    return _render_input(form, notice=notice)


@bp.get("/")
def index():
    return render_template("public/index.html")


@bp.route("/voice/new", methods=["GET", "POST"])
def new_voice():
    """入力: on POST, validate and show the confirmation page."""
    form = VoiceForm()
    if request.method == "GET":
        form.client_token.data = new_client_token()
        return _render_input(form)
    if not form.validate_on_submit():
        return _render_input(form, notice="入力内容を確認できませんでした。もう一度お試しください。")
    result = validate(_input_from(form))
    if not result.ok:
        return _render_input(form, result.errors), 422
    return render_template("public/confirm.html", form=form, voice=result.cleaned)


@bp.post("/voice/confirm")
def confirm():
    """確認: go back to edit, or submit for real."""
    form = VoiceForm()
    if not form.validate_on_submit():
        return _render_input(form, notice="入力内容を確認できませんでした。もう一度お試しください。")
    if request.form.get("action") == "back":
        return _render_input(form)
    try:
        receipt = submit(_input_from(form), new_token_if_reused=True)
    except IntakeError as error:
        return _render_input(form, error.errors), 422
    session["last_receipt"] = {"receipt_no": receipt.receipt_no, "access_code": receipt.access_code}
    return redirect(url_for("public.complete"), code=303)


@bp.get("/voice/complete")
def complete():
    """完了: shows the 受付番号 and 確認コード once more if reloaded in the same browser."""
    receipt = session.get("last_receipt")
    if not receipt:
        flash("受付番号を表示できませんでした。送信済みの場合は、確認画面の控えをご覧ください。")
        return redirect(url_for("public.index"))
    return render_template("public/complete.html", receipt=receipt)


@bp.route("/status", methods=["GET", "POST"])
def status():
    """Status of a voice for the matching 受付番号 + 確認コード pair only."""
    form = StatusForm()
    found = None
    not_found = False
    if form.validate_on_submit():
        found = lookup_status(form.receipt_no.data or "", form.access_code.data or "")
        not_found = found is None
    return render_template("public/status.html", form=form, found=found, not_found=not_found)
