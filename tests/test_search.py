"""Does staff search find a voice however the query and the voice spell its words?"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from classifier import spell_in_kanji
from models import Voice, db
from tests.section_fixtures import routed_voice
from voices.redact import NAME_MASK
from voices.search import excerpt, search_condition

PARKED = "駅の放置自転車の撤去をお願いします。通路がふさがれています。"
IN_KANA = "えきまえに じてんしゃが たくさん おいてあって あるけません"
SHELTER = "自転車置き場の屋根が壊れています。雨の日に困ります。"
GARBAGE = "燃えるごみの収集日なのに、集積所のごみが夕方まで回収されません。"


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


def test_spell_in_kanji_writes_the_nouns_a_query_spells_in_kana():
    assert spell_in_kanji("じてんしゃ") == "自転車"
    assert spell_in_kanji("ｼﾞﾃﾝｼｬ") == "自転車"  # half-width katakana, made full-width first
    assert spell_in_kanji("えきまえの じてんしゃが じゃま") == "駅前の 自転車が じゃま"
    assert spell_in_kanji("いいんです") == "いいんです"  # not 委員: いい + ん is not one word
    assert spell_in_kanji("自転車") == "自転車"


def test_a_voice_is_found_by_its_words_in_kanji_kana_and_as_compounds(app):
    with app.app_context():
        ids = {text: routed_voice(text)[0] for text in (PARKED, IN_KANA, SHELTER, GARBAGE)}

        def found(query: str) -> set[str]:
            matched = set(db.session.scalars(select(Voice.id).where(search_condition(query))))
            return {text for text, voice_id in ids.items() if voice_id in matched}

        # Sudachi reads this sentence's 放置自転車 as 放置 + 自転 + 車: found by the text as typed
        assert found("自転車") == {PARKED, IN_KANA, SHELTER}
        assert found("放置自転車") == {PARKED}
        # a query in kana finds the voices that write the noun in kanji, and the other way round
        assert found("じてんしゃ") == {PARKED, IN_KANA, SHELTER}
        assert found("ジテンシャ") == {PARKED, IN_KANA, SHELTER}
        assert found("ほうちじてんしゃ") == {PARKED}
        # every term of a query must match
        assert found("自転車 屋根") == {SHELTER}
        assert found("じてんしゃ 駅前") == {IN_KANA}
        assert found("ゴミ 収集") == {GARBAGE}
        assert found("自転車 カラス") == set()


def test_a_redaction_mark_is_not_found_as_text(app):
    with app.app_context():
        voice_id, _, _ = routed_voice(GARBAGE)
        voice = db.session.get(Voice, voice_id)
        voice.body = f"{NAME_MASK}です。{GARBAGE}"  # as left by the retention purge
        db.session.commit()
        assert voice_id not in db.session.scalars(select(Voice.id).where(search_condition("氏名"))).all()
        assert voice_id in db.session.scalars(select(Voice.id).where(search_condition("集積所"))).all()


def test_the_excerpt_starts_a_little_before_the_first_word_that_matched():
    text = "もう何年もこの状態です。駅前の駐輪場に放置自転車が何十台もあって、通路がふさがれています。撤去をお願いします。"
    before, word, after = excerpt(text, "じてんしゃ", width=30)
    assert word == "自転車"  # the kana query's noun, as the voice writes it
    assert before == "…" + text[text.index(word) - 10 : text.index(word)] and after.endswith("…")
    assert len(before) - 1 + len(word) + len(after) - 1 == 30
    assert excerpt(text, "撤去 放置", width=30)[1] == "放置"  # the earliest of the terms
    assert excerpt(text, "ゴミ", width=12) == ("", "", "もう何年もこの状態です。…")  # not in the text
    assert excerpt("粗大ごみの申込み", "粗大ゴミ")[1] == "粗大ごみ"  # the token, as its normalized form
    assert excerpt("集積所のゴミが残っています", "ごみ")[1] == "ゴミ"  # in the other kana
    assert excerpt("短い", "短い") == ("", "短い", "")


def test_marked_cuts_a_text_at_every_place_it_shows_a_word():
    from voices.search import marked

    pieces = marked("道路に穴。ゴミも道路に?", ["道路", "穴", "ごみ", "?", "か", "直す"])
    assert pieces == [("道路", True), ("に", False), ("穴", True), ("。", False), ("ゴミ", True),
                      ("も", False), ("道路", True), ("に?", False)]
    assert "".join(piece for piece, _ in pieces) == "道路に穴。ゴミも道路に?"
    assert marked("固定資産税の通知", ["固定", "固定資産税"])[0] == ("固定資産税", True)  # the longest
    assert marked("", ["道路"]) == [] and marked("道路", []) == [("道路", False)]
