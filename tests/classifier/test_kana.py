"""Nouns spelt in kana that Sudachi splits are recovered from the kana index, and the shipped index is the
one the corpus gives."""

from __future__ import annotations

from dataclasses import replace

from classifier import kana
from classifier.cli import main
from classifier.corpus import load_corpus, load_lexicon, split
from classifier.tokenizer import DEFAULT, clean_text, tokenize, tokenize_with


def test_a_noun_spelt_in_kana_gets_the_tokens_of_its_kanji():
    """じてんしゃ is 自転 + しゃ to Sudachi; the recovered 自転車 makes it the same word as in kanji."""
    assert "自転車" not in tokenize_with("じてんしゃをぬすまれた", replace(DEFAULT, kana_recovery=False))
    assert "自転車" in tokenize("じてんしゃをぬすまれた")
    assert "自転車" in tokenize("ジテンシャヲヌスマレタ")  # katakana, one unknown word to Sudachi
    # Sudachi reads ぜ and い of ほけんぜい as particles, so the longest noun that ends well is 国民健康保険
    compound = tokenize("こくみんけんこうほけんぜいのつうちがきた")
    assert set(tokenize("国民健康保険")) <= set(compound)


def test_text_in_kanji_and_sudachis_own_kana_words_are_left_as_they_were():
    """Nothing is added where Sudachi read the words itself, and nothing twice."""
    plain = replace(DEFAULT, kana_recovery=False)
    for text in ("自転車を盗まれた。市役所に相談しました。", "がっこうのきゅうしょくについて", "毎日利用しています。"):
        assert tokenize(text) == tokenize_with(text, plain)
    tokens = tokenize("しやくしょでそうだんした")
    assert "市役所" in tokens and tokens.count("相談") == 1


def test_recover_takes_the_longest_reading_at_word_boundaries():
    index = kana.KanaIndex({"ジテン": "自転", "ジテンシャ": "自転車", "シャコ": "車庫", "イイン": "委員"})
    piece = lambda text, can_end=True, known=False: kana.Piece(text, can_end, known)
    assert index.recover([[piece("じてん"), piece("しゃ")]]) == ["自転車"]
    assert index.recover([[piece("じてん"), piece("しゃ")], [piece("しゃこ")]]) == ["自転車", "車庫"]
    # a reading across a word boundary Sudachi did not draw, or ending in a particle, spells nothing
    assert index.recover([[piece("じ"), piece("てんしゃこ")]]) == []
    assert index.recover([[piece("いい"), piece("ん", can_end=False), piece("です", can_end=False)]]) == []
    # nor does one word Sudachi read itself
    assert index.recover([[piece("いいん", known=True)]]) == []
    assert index.recover([]) == []


def test_the_boundary_rules_keep_common_kana_phrases_out():
    """いいんです, みなさんから and 見せたい spell 委員, 参加 and 世帯 only across or inside Sudachi's words."""
    plain = replace(DEFAULT, kana_recovery=False)
    for text in ("それでいいんです", "みなさんからの声", "子どもに見せたい", "きゅうに寒くなった"):
        assert tokenize(text) == tokenize_with(text, plain), text


def test_a_reading_the_corpus_writes_in_kana_for_other_words_is_left_out():
    """していま… spells シテイ in nearly every voice: it is not 指定 written in kana."""
    voices = ["指定の場所に出してください。"] + ["毎日利用しています。"] * 5 + ["自転車置き場が狭い"] * 3
    nouns = kana.build_index(voices)
    assert "シテイ" not in nouns
    assert nouns["ジテンシャ"] == "自転車" and nouns["バショ"] == "場所"


def test_the_shipped_index_is_built_from_the_corpus_train_split_and_the_lexicon(tmp_path, capsys):
    """After the corpus changes, `python -m classifier kana-index` must be run; this test says when."""
    output = tmp_path / "kana_index.tsv"
    assert main(["kana-index", "--output", str(output)]) == 0
    assert "readings written" in capsys.readouterr().out
    assert output.read_text(encoding="utf-8") == kana.INDEX_PATH.read_text(encoding="utf-8")
    train, _ = split(load_corpus())
    shipped = kana.read_index(kana.INDEX_PATH)
    assert len(shipped) > 5000
    # built from the train split only: a noun met only in test voices is not in it
    train_text = clean_text("".join(e.text for e in train) + "".join(e.text for e in load_lexicon()))
    assert all(noun in train_text for noun in shipped.values())
