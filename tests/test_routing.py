"""Does routing assign exactly once, send unsure voices to 広聴, and let 広聴 assign by hand?"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Assignment, Section, User, Voice, VoiceEvent, db, set_setting
from routing.jobs import route_voice_job
from routing.service import assign_by_hand, route_voice
from tests.support import csrf_token_from, login, make_user
from voices.intake import submit
from voices.validation import VoiceInput


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


ROAD = ("家の前の市道に大きな穴があいていて、雨が降ると水たまりになります。夜は車がはねて危ないので、"
        "舗装の補修をお願いします。")


def _store(app, body: str = ROAD) -> int:
    """Store a voice without routing it (no dispatcher), as if Redis had been down."""
    with app.app_context():
        dispatcher = app.extensions.pop("mirai_dispatcher")
        try:
            receipt = submit(VoiceInput(body=body, voice_type="要望", consent_privacy=True))
        finally:
            app.extensions["mirai_dispatcher"] = dispatcher
        return receipt.voice_id


def test_routing_twice_assigns_once(app):
    voice_id = _store(app)
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()
        first = route_voice(voice_id)
        second = route_voice(voice_id)
        assert first.result == "assigned" and second.result == "already_routed"
        assert route_voice_job(voice_id) == "already_routed"  # the recorded job is idempotent too
        assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.voice_id == voice_id)) == 1
        kinds = db.session.scalars(select(VoiceEvent.kind).where(VoiceEvent.voice_id == voice_id)).all()
        assert kinds.count("assigned") == 1 and kinds.count("classified") == 1
        assert db.session.get(Voice, voice_id).section.name == "建設課"


def test_an_unsure_model_sends_the_voice_to_hearing_triage(app):
    voice_id = _store(app)
    with app.app_context():
        set_setting("routing.auto_threshold", 1.01)  # nothing is confident enough
        db.session.commit()
        assert route_voice(voice_id).result == "triage"
        voice = db.session.get(Voice, voice_id)
        assert voice.status == "triage"
        assert voice.section.is_hearing
        assert voice.assignments[0].decided_by == "triage"
        assert voice.due_date is not None


def test_gibberish_is_routed_to_triage_at_the_default_threshold(app):
    voice_id = _store(app, body="😀😀😀 ！！！ ？？？")
    with app.app_context():
        assert route_voice(voice_id).result == "triage"


def test_hearing_assigns_a_triaged_voice_by_hand_and_it_becomes_a_label(app):
    voice_id = _store(app)
    with app.app_context():
        set_setting("routing.auto_threshold", 1.01)
        db.session.commit()
        route_voice(voice_id)
        make_user("hearing", "hearing", "秘書広報課")
        target = db.session.scalar(select(Section).where(Section.name == "建設課"))
        target_id = target.id
    client = app.test_client()
    login(client, "hearing")
    triage = client.get("/staff/triage").get_data(as_text=True)
    assert "振り分け待ちの声" in triage and "建設課" in triage  # the model's top-3 are shown
    page = client.get(f"/staff/voices/{voice_id}").get_data(as_text=True)
    response = client.post(f"/staff/voices/{voice_id}/assign",
                           data={"section_id": target_id, "reason": "道路の補修", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    with app.app_context():
        voice = db.session.get(Voice, voice_id)
        assert (voice.status, voice.section.name, voice.section_confirmed) == ("assigned", "建設課", True)
        assert voice.events[-1].kind == "assigned" and voice.events[-1].actor_label == "hearing"
        active = [a for a in voice.assignments if a.active]
        assert len(active) == 1 and active[0].decided_by == "staff"
        # the same click again changes nothing
        hearing = db.session.scalar(select(User).where(User.login_id == "hearing"))
        assign_by_hand(voice_id, target_id, hearing)
        assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.voice_id == voice_id)) == 2


def test_section_staff_cannot_use_the_triage_desk(app):
    with app.app_context():
        make_user("kankyo", "section_staff", "生活環境課")
    client = app.test_client()
    login(client, "kankyo")
    assert client.get("/staff/triage").status_code == 403
