"""Does the one tokenizer normalise how citizens actually write?"""

import subprocess
import sys

from classifier import tokenize
from classifier.tokenizer import CHUNK_CHARS, clean_text


def test_gomi_spellings_share_one_token():
    """Are ゴミ, ごみ, 塵 and half-width ｺﾞﾐ the same word, alone and inside compounds?"""
    forms = {tuple(tokenize(word)) for word in ("ゴミ", "ごみ", "塵", "ｺﾞﾐ")}
    assert forms == {("ごみ",)}
    assert "粗大ごみ" in tokenize("粗大ゴミを出したい") and "粗大ごみ" in tokenize("粗大ごみを出したい")
    assert tokenize("ゴミ袋が高い")[0] == tokenize("ごみ袋が高い")[0] == "ごみ袋"


def test_kodomo_spellings_share_one_token():
    """Are 子供, 子ども and こども one normalized form?"""
    assert tokenize("子供") == tokenize("子ども") == tokenize("こども") == ["子供"]


def test_inflections_and_orthography_are_normalized():
    """Do 分からない / わからない and 問合せ / 問い合わせ meet?"""
    assert tokenize("分からない") == tokenize("わからない")
    assert tokenize("問合せ") == tokenize("問い合わせ")


def test_compounds_also_give_their_parts():
    """Does 児童クラブ also yield 児童 and クラブ (mode C plus mode-A parts)?"""
    tokens = tokenize("児童クラブに入れない")
    assert {"児童クラブ", "児童", "クラブ"} <= set(tokens)


def test_noise_is_dropped():
    """Are particles, numbers, symbols, stop words, HTML and emoji left out?"""
    tokens = tokenize("<p>令和6年12月3日に、<b>道路</b>の穴が&amp;あります😡😡</p><script>x()</script>")
    assert "道路" in tokens and "穴" in tokens
    for noise in ("の", "に", "12", "3", "有る", "😡😡", "b", "p", "script", "x", "&"):
        assert noise not in tokens
    assert tokenize("😡🙏✨") == []
    assert tokenize("") == tokenize("   \n\t") == []


def test_half_width_kana_and_full_width_ascii_are_folded():
    """Does NFKC make ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ and ＬＩＮＥ ordinary words?"""
    assert clean_text("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ ＬＩＮＥ") == "マイナンバーカード LINE"
    assert "マイナンバーカード" in tokenize("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞの申請")


def test_texts_longer_than_sudachi_accepts_are_tokenized():
    """Is a 100,000-character text tokenized (Sudachi alone refuses 49,149 bytes)?"""
    text = "道路の穴を直してください。" * (100_000 // 13)
    assert len(text) > 10 * CHUNK_CHARS
    assert tokenize(text).count("道路") == 100_000 // 13


def test_tokenizer_is_created_once_and_lazily():
    """Is the Sudachi tokenizer one object per process, and not loaded by importing the package?"""
    from classifier import tokenizer

    tokenize("一回目")
    first = tokenizer._tokenizer("C")
    tokenize("二回目")
    assert tokenizer._tokenizer("C") is first
    probe = ("import sys, classifier; classifier.labels.bu_of('建設課'); "
             "print('sudachipy' in sys.modules, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
