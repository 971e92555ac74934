"""After the tokenizer changes, `flask search-reindex` makes every voice's stored search tokens again,
once: a search then finds earlier voices as it finds new ones."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from classifier.tokenizer import DEFAULT, tokenize_with
from models import Voice, db
from models.setting import get_setting, set_setting
from routing.reindex import SETTING, reindex_due
from routing.service import text_for_classification
from voices.search import search_condition, search_tokens_for

KANA_VOICE = "えきまえに じてんしゃが たくさん おいてあって あるけません"


def _old_tokens(text: str) -> str:
    """The tokens the tokenizer stored before nouns spelt in kana were recovered."""
    tokens = sorted(set(tokenize_with(text, replace(DEFAULT, kana_recovery=False))))
    return f" {' '.join(tokens)} "


def test_reindex_rewrites_stale_tokens_once(app_on_both_databases):
    app = app_on_both_databases
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    with app.app_context():
        voices = db.session.scalars(select(Voice).order_by(Voice.id)).all()
        kana_voice, stale = voices[0], voices[1]
        kana_voice.body, kana_voice.subject = KANA_VOICE, ""
        kana_voice.search_tokens = _old_tokens(KANA_VOICE)  # as stored by the earlier tokenizer
        stale.search_tokens = " 古い トークン "
        set_setting(SETTING, "an earlier tokenizer")
        db.session.commit()
        kana_id, stale_id, count = kana_voice.id, stale.id, len(voices)
        assert "自転車" not in kana_voice.search_tokens and reindex_due()

    first = runner.invoke(args=["search-reindex"])
    assert first.exit_code == 0, first.output
    assert f"{count} 件中" in first.output
    with app.app_context():
        for voice in db.session.scalars(select(Voice)):
            assert voice.search_tokens == search_tokens_for(text_for_classification(voice))
        assert " 自転車 " in db.session.get(Voice, kana_id).search_tokens
        assert "古い" not in db.session.get(Voice, stale_id).search_tokens
        assert not reindex_due() and get_setting(SETTING)
        assert kana_id in db.session.scalars(select(Voice.id).where(search_condition("自転車"))).all()

    again = runner.invoke(args=["search-reindex"])
    assert again.exit_code == 0 and "最新" in again.output
    forced = runner.invoke(args=["search-reindex", "--all"])
    assert forced.exit_code == 0 and "0 件を更新" in forced.output


def test_a_new_database_records_the_tokenizer_without_work(app):
    with app.app_context():
        assert reindex_due()
    result = app.test_cli_runner().invoke(args=["search-reindex"])
    assert result.exit_code == 0 and "件を更新" in result.output
    with app.app_context():
        assert not reindex_due()


def test_tokens_stored_before_variant_kanji_were_folded_are_made_again(app_on_both_databases):
    """A voice indexed when only the tokenizer was recorded: after search-reindex, does 高橋 find 髙橋?"""
    import classifier

    app = app_on_both_databases
    from tests.section_fixtures import routed_voice

    with app.app_context():
        voice_id = routed_voice("髙橋さんの家の前の側溝が詰まっています。")[0]
        voice = db.session.get(Voice, voice_id)
        voice.search_tokens = " 側溝 家 前 詰まる 髙橋 "  # as stored before
        set_setting(SETTING, classifier.tokenizer_fingerprint())  # what the earlier version recorded
        db.session.commit()
        assert reindex_due()
        assert voice_id not in db.session.scalars(select(Voice.id).where(search_condition("高橋"))).all()
    assert app.test_cli_runner().invoke(args=["search-reindex"]).exit_code == 0
    with app.app_context():
        assert " 高橋 " in db.session.get(Voice, voice_id).search_tokens and not reindex_due()
        assert voice_id in db.session.scalars(select(Voice.id).where(search_condition("高橋"))).all()
