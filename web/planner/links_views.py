"""Staff actions on one voice: measures, action items, 反映済 and publication (the voice page's planning block)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, StringField, TextAreaField

from models import (
    ActionItem,
    Measure,
    Voice,
    VoiceActionItem,
    VoiceMeasure,
    VoicePublication,
    VoiceReflection,
    db,
)
from routing import links
from routing.service import RoutingError
from voices.access import PermissionDenied, allowed_actions, visible_voices
from voices.redact import redact
from web.planner import links_bp


class MeasureForm(FlaskForm):
    code = StringField()
    op = HiddenField()  # confirm / add / remove


class ActionItemForm(FlaskForm):
    action_item_id = IntegerField()
    op = HiddenField()  # link / unlink


class ReflectionForm(FlaskForm):
    content = TextAreaField()


class PublicationForm(FlaskForm):
    body = TextAreaField()
    answer = TextAreaField()
    op = HiddenField()  # publish / unpublish


@dataclass
class PlanningView:
    """What the voice page's planning block shows."""

    can_edit: bool
    measures: list[tuple[VoiceMeasure, str]]
    all_measures: list[Measure]
    linked: list[ActionItem]
    suggestions: list
    all_items: list[ActionItem]
    reflection: VoiceReflection | None
    publication: VoicePublication | None
    publication_draft: str
    answer_draft: str


@links_bp.app_template_global("planning_for")
def planning_for(voice: Voice) -> PlanningView:
    """The planning data of ``voice`` for the staff voice page."""
    titles = dict(db.session.execute(select(Measure.code, Measure.title)).all())
    measures = db.session.scalars(select(VoiceMeasure).where(VoiceMeasure.voice_id == voice.id)
                                  .order_by(VoiceMeasure.measure_code)).all()
    linked = db.session.scalars(select(ActionItem).join(VoiceActionItem, VoiceActionItem.action_item_id == ActionItem.id)
                                .where(VoiceActionItem.voice_id == voice.id).order_by(ActionItem.code)).all()
    can_edit = "measures" in allowed_actions(current_user, voice)
    publication = db.session.get(VoicePublication, voice.id)
    sent = [r for r in voice.replies if r.state == "sent"]
    return PlanningView(
        can_edit=can_edit,
        measures=[(m, titles.get(m.measure_code, "")) for m in measures],
        all_measures=db.session.scalars(select(Measure).order_by(Measure.code)).all() if can_edit else [],
        linked=list(linked),
        suggestions=links.suggest_action_items(voice) if can_edit else [],
        all_items=db.session.scalars(select(ActionItem).order_by(ActionItem.code)).all() if can_edit else [],
        reflection=db.session.get(VoiceReflection, voice.id),
        publication=publication,
        publication_draft=publication.body if publication else redact(voice.body, [voice.submitter_name]),
        answer_draft=publication.answer if publication else (redact(sent[-1].body) if sent else ""),
    )


def _run(voice_id: int, form: FlaskForm, action, message: str):
    voice = db.session.scalar(visible_voices(current_user).where(Voice.id == voice_id))
    if voice is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    try:
        action()
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except RoutingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(message)
    return redirect(url_for("staff.voice", voice_id=voice_id) + "#planning-heading")


@links_bp.post("/<int:voice_id>/measures")
@login_required
def measures(voice_id: int):
    form = MeasureForm()
    op = request.form.get("op", "confirm")
    if op == "remove":
        return _run(voice_id, form, lambda: links.remove_measure(voice_id, form.code.data, current_user),
                    "改革項目を外しました。")
    return _run(voice_id, form, lambda: links.confirm_measure(voice_id, form.code.data, current_user),
                "改革項目を確定しました。")


@links_bp.post("/<int:voice_id>/action-items")
@login_required
def action_items(voice_id: int):
    form = ActionItemForm()
    item_id = form.action_item_id.data or 0
    if request.form.get("op") == "unlink":
        return _run(voice_id, form, lambda: links.unlink_action_item(voice_id, item_id, current_user),
                    "アクションプランとの関連を外しました。")
    return _run(voice_id, form, lambda: links.link_action_item(voice_id, item_id, current_user),
                "アクションプランに関連付けました。")


@links_bp.post("/<int:voice_id>/reflection")
@login_required
def reflection(voice_id: int):
    form = ReflectionForm()
    return _run(voice_id, form, lambda: links.mark_reflected(voice_id, form.content.data, current_user),
                "反映済にしました。")


@links_bp.post("/<int:voice_id>/publication")
@login_required
def publication(voice_id: int):
    form = PublicationForm()
    if request.form.get("op") == "unpublish":
        return _run(voice_id, form, lambda: links.unpublish(voice_id, current_user), "公開を取り下げました。")
    return _run(voice_id, form, lambda: links.publish(voice_id, form.body.data, form.answer.data, current_user),
                "公開用の文を承認しました。")
