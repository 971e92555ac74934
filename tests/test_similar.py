"""Are near-duplicates and organised campaigns linked as 似た声, and only to earlier voices?"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import SimilarVoice, Voice, db
from voices.intake import submit, submit_many
from voices.similar import similar_to_text
from voices.validation import VoiceInput


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


CAMPAIGN = "市民プールの廃止に反対します。子どもたちの夏の楽しみを奪わないでください。存続を強く求めます。"


def _submit(body: str, token: str | None = None) -> int:
    return submit(VoiceInput(body=body, voice_type="意見", channel="letter", client_token=token)).voice_id


def test_a_campaign_of_identical_letters_is_linked_to_the_earlier_letters(app):
    with app.app_context():
        ids = [_submit(CAMPAIGN) for _ in range(4)]
        _submit("図書館の返却ポストを駅前にも置いてほしいです。")
        links = db.session.scalars(select(SimilarVoice).order_by(SimilarVoice.voice_id, SimilarVoice.rank)).all()
        by_voice: dict[int, list[int]] = {}
        for link in links:
            by_voice.setdefault(link.voice_id, []).append(link.similar_voice_id)
            assert link.similar_voice_id < link.voice_id and link.score > 0.99
        assert {voice: set(similar) for voice, similar in by_voice.items()} == {
            ids[1]: {ids[0]}, ids[2]: set(ids[:2]), ids[3]: set(ids[:3])}


def test_a_batch_links_to_earlier_rows_of_the_same_batch_and_to_stored_voices(app):
    with app.app_context():
        first = _submit(CAMPAIGN)
        outcome = submit_many([VoiceInput(body=CAMPAIGN + "（署名）", voice_type="意見", channel="import",
                                          client_token=f"imp-test-{i}") for i in range(2)], actor_label="import")
        a, b = outcome.voice_ids
        linked = {(link.voice_id, link.similar_voice_id)
                  for link in db.session.scalars(select(SimilarVoice).where(SimilarVoice.voice_id.in_([a, b])))}
        assert linked == {(a, first), (b, first), (b, a)}


def test_unrelated_voices_are_not_linked_and_the_live_lookup_finds_the_near_one(app):
    with app.app_context():
        pool = _submit(CAMPAIGN)
        road = _submit("市道の穴が大きくなっています。自転車が転びそうで危ないので補修してください。")
        assert db.session.scalars(select(SimilarVoice)).all() == []
        matches = similar_to_text("プールを廃止しないで、存続してほしい")
        assert [m.voice_id for m in matches] == [pool]
        assert similar_to_text("ありがとう") == []
        assert all(m.voice_id != road for m in matches)
        assert db.session.get(Voice, road).search_tokens.strip()  # filled at intake
