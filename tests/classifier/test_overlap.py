"""Near-copy detection: character 4-gram Jaccard similarity between two sets of texts."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.overlap import char_ngrams, max_similarity


def test_ngrams_are_taken_from_the_cleaned_text():
    """Markup and full-width characters do not hide a copy; a short text is its own gram."""
    assert char_ngrams("<p>ゴミ収集</p>") == {"ゴミ収集"}
    assert char_ngrams("ＡＢＣＤＥ") == {"ABCD", "BCDE"}
    assert char_ngrams("ごみ") == {"ごみ"}
    assert char_ngrams("  ") == set()


def test_similarity_is_the_jaccard_of_the_gram_sets():
    """Identical texts score 1, unrelated 0, and a partial overlap |A∩B| / |A∪B|."""
    texts = ["粗大ごみの出し方を教えてください", "公園の街灯が切れています"]
    others = ["公園の街灯が切れています", "粗大ごみの出し方を教えて"]
    best, where = max_similarity(texts, others)
    a, b = char_ngrams(texts[0]), char_ngrams(others[1])
    assert best[0] == pytest.approx(len(a & b) / len(a | b))
    assert where.tolist() == [1, 0]
    assert best[1] == 1.0
    assert max_similarity(["税金"], ["図書館"])[0].tolist() == [0.0]


def test_a_sequence_against_itself_skips_each_text_itself():
    """With exclude_self a text's own copy does not count, another copy does."""
    texts = ["道路に穴があいている", "道路に穴があいている", "図書館の開館時間"]
    best, where = max_similarity(texts, texts, exclude_self=True)
    assert best.tolist()[:2] == [1.0, 1.0] and where.tolist()[:2] == [1, 0]
    assert best[2] < 0.2
    with pytest.raises(ValueError):
        max_similarity(texts, texts[:2], exclude_self=True)


def test_blocks_give_the_same_answer_as_one_pass(monkeypatch):
    """Computing the similarity in row blocks changes nothing."""
    from classifier import overlap

    texts = [f"{i}番目の声です。ごみ集積所の{i % 7}番について" for i in range(40)]
    others = [f"ごみ集積所の{i}番がカラスに荒らされる" for i in range(9)]
    whole = max_similarity(texts, others)
    monkeypatch.setattr(overlap, "BLOCK_ROWS", 7)
    blocked = max_similarity(texts, others)
    assert np.allclose(whole[0], blocked[0]) and (whole[1] == blocked[1]).all()


def test_empty_inputs():
    assert max_similarity([], ["a"])[0].shape == (0,)
    best, where = max_similarity(["道路"], [])
    assert best.tolist() == [0.0] and where.tolist() == [-1]
