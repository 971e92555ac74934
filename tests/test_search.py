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


def test_marked_finds_a_verb_of_the_explanation_in_its_inflected_form():
    """Does the voice page mark 直し of 「直してください」 for the term 直す, and 悪かっ for 悪い, without
    marking the same place twice?"""
    from voices.search import marked

    text = "道路の穴を直してください。直すのはいつ?対応が悪かった"
    pieces = marked(text, ["道路", "直す", "悪い"])
    assert [piece for piece, hit in pieces if hit] == ["道路", "直し", "直す", "悪かっ"]
    assert "".join(piece for piece, _ in pieces) == text


NAME_VOICES = {
    "髙橋": "髙橋さんの家の前の側溝が詰まっています。",
    "高橋": "高橋商店の前の街灯が消えています。",
    "山﨑": "山﨑町内会長から、公園の草刈りの相談がありました。",
    "渡邊": "渡邊様より、道路の穴について連絡がありました。",
    "齋藤": "齋藤さんから、ごみ集積所のカラス被害の相談です。",
    "斉藤": "斉藤さんが窓口で、住民票の取り方を尋ねられました。",
    "タカハシ": "タカハシと申します。バス停の時刻表が見えにくいです。",
    "一斉": "一斉清掃の日程を教えてください。",
}


def test_a_name_is_found_whichever_variant_kanji_the_query_or_the_voice_writes(app):
    """Does 高橋 find 髙橋 and 髙橋 find 高橋, 山崎 find 山﨑, 渡辺 find 渡邊, 斎藤 find 齋藤 and 斉藤?"""
    with app.app_context():
        ids = {key: routed_voice(text)[0] for key, text in NAME_VOICES.items()}

        def found(query: str) -> set[str]:
            matched = set(db.session.scalars(select(Voice.id).where(search_condition(query))))
            return {key for key, voice_id in ids.items() if voice_id in matched}

        assert found("高橋") == found("髙橋") == {"髙橋", "高橋"}
        assert found("山崎") == found("山嵜") == {"山﨑"}
        assert found("渡辺") == found("渡邉") == {"渡邊"}
        assert found("斎藤") == found("齊藤") == found("斉藤") == {"齋藤", "斉藤"}
        assert found("高橋 側溝") == {"髙橋"}  # still every term
        # kana and width: a query in one kana finds the other, half-width is full-width
        assert found("たかはし") == found("ﾀｶﾊｼ") == {"タカハシ"}
        assert found("一斉清掃") == {"一斉"}


def test_the_excerpt_shows_a_variant_as_the_voice_writes_it():
    text = "先日、髙橋さんが来庁されて、道路の件を相談されました。"
    assert excerpt(text, "高橋")[1] == "髙橋"
    assert excerpt("渡辺さんの件", "渡邊")[1] == "渡辺"


def test_stored_tokens_hold_the_folded_forms_but_term_lists_show_the_words_as_written():
    """The planners' term lists read stored tokens: is 一斉 listed as 一斉, never as the folded 一斎?"""
    from voices.search import display_terms, search_tokens_for

    stored = search_tokens_for("一斉清掃の日に髙橋さんが来ました。")
    assert {" 一斉 ", " 一斎 ", " 髙橋 ", " 高橋 "} <= {f" {t} " for t in stored.split()}
    assert {"一斉", "髙橋", "清掃"} <= display_terms(stored)
    assert not {"一斎", "高橋"} & display_terms(stored)
    assert search_tokens_for("駅前の自転車") == " 自転車 駅前 "  # no variant: read once, as before
