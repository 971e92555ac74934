"""Does a bulk import route each voice exactly as ``route_voice`` routes a single voice?

routing.batch.route_new_voices repeats route_voice's decision with the lookups done once per batch;
this test keeps the two in step (rule, staff choice, confident model, 広聴 triage, due date, events).
"""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from models import RoutingRule, Section, Voice, VoiceMeasure, db, set_setting
from routing.batch import route_new_voices
from voices.intake import submit_many
from voices.validation import VoiceInput

TEXTS = [
    ("苦情", "燃えるごみの収集日に集積所のごみが回収されずに残っていました。カラスが散らかしています。", ""),
    ("要望", "市道に大きな穴があいていて、自転車で通るのが危ないです。早く直してください。", ""),
    ("提案", "申請をオンラインでできるようにして、窓口に並ばなくて済むようにしてほしい。", ""),
    ("意見", "ごみの集積所のことで、建設課に相談したいことがあります。", ""),  # the rule below matches
    ("問合せ", "児童クラブの申込みはいつからですか。", "学校総務課"),  # staff chose the 課
    ("感謝", "ありがとうございました。", ""),  # too little to be sure: triage at a high threshold
]


def _inputs(prefix: str) -> list[VoiceInput]:
    return [VoiceInput(body=body, voice_type=voice_type, channel="counter", section_name=section,
                       client_token=f"{prefix}-{i}") for i, (voice_type, body, section) in enumerate(TEXTS)]


def _decision(voice: Voice) -> dict:
    def event(e):
        data = {k: v for k, v in e.data.items() if k != "voice_id"}
        return (e.kind, e.actor_label, data)

    measures = db.session.scalars(select(VoiceMeasure.measure_code).where(VoiceMeasure.voice_id == voice.id)).all()
    c = voice.latest_classification
    return {
        "status": voice.status, "section": voice.section.name, "confirmed": voice.section_confirmed,
        "due": voice.due_date, "tokens": voice.search_tokens,
        "assignments": [(a.section.name, a.role, a.decided_by, a.reason, a.active) for a in voice.assignments],
        "events": [event(e) for e in voice.events],
        "classification": (c.model_version, c.section_name, c.section_top, c.measures, c.voice_type, c.confidence),
        "measures": sorted(measures),
    }


def _compare(app, threshold: float, *, route_after_commit=None) -> None:
    with app.app_context():
        set_setting("routing.auto_threshold", threshold)
        kensetsu = db.session.scalar(select(Section).where(Section.name == "建設課"))
        db.session.add(RoutingRule(name="建設課への相談", match_type="keyword", pattern="建設課 相談",
                                   section_id=kensetsu.id, priority=10))
        db.session.commit()
        # One by one: each voice's outbox job runs route_voice after the commit.
        single = submit_many(_inputs("single"), actor_label="import")
        if route_after_commit is not None:  # RQ: the jobs wait in Redis; run them here
            for voice_id in single.voice_ids:
                route_after_commit(voice_id)
        # As an import does it: routed in the same transaction by the batch router, written in bulk.
        batch = submit_many([replace(i, client_token=i.client_token.replace("single", "batch")) for i in
                             _inputs("single")], actor_label="import", route_in_transaction=route_new_voices)
        db.session.expire_all()
        for single_id, batch_id in zip(single.voice_ids, batch.voice_ids):
            one, many = db.session.get(Voice, single_id), db.session.get(Voice, batch_id)
            assert _decision(many) == _decision(one), one.body
        statuses = {db.session.get(Voice, i).status for i in batch.voice_ids}
        assert statuses == ({"assigned"} if threshold == 0.0 else {"assigned", "triage"})
        ruled = db.session.get(Voice, batch.voice_ids[3])
        assert ruled.section.name == "建設課" and ruled.assignments[-1].decided_by == "rule"
        chosen = db.session.get(Voice, batch.voice_ids[4])
        assert chosen.section.name == "学校総務課" and chosen.assignments[-1].decided_by == "staff"


@pytest.mark.parametrize("threshold", [0.0, 0.9])
def test_batch_routing_decides_like_route_voice(app, threshold):
    _compare(app, threshold)


@pytest.mark.postgres
@pytest.mark.redis
def test_batch_routing_decides_like_route_voice_on_postgresql(pg_app):
    """On PostgreSQL the batch goes in by COPY with ids drawn up front: the same rows must result."""
    from routing.service import route_voice

    _compare(pg_app, 0.9, route_after_commit=route_voice)
