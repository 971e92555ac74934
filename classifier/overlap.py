"""Near copies between two sets of texts: Jaccard similarity of their character n-grams.

Keeps the fixed test split honest (no test voice may have a near copy in the train split; a test
checks it) and screens a new corpus batch against the corpus before it is labelled
(`scripts/near_copies.py`). Texts are compared after `clean_text`, so markup, width and spacing
variants do not hide a copy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from .tokenizer import clean_text

NGRAM = 4
BLOCK_ROWS = 512  # rows of the dense similarity block computed at a time (memory: BLOCK_ROWS × len(others))


def char_ngrams(text: str, n: int = NGRAM) -> set[str]:
    """The set of character n-grams of the cleaned text; a text shorter than n is its own gram."""
    cleaned = clean_text(text)
    if not cleaned:
        return set()
    return {cleaned[i:i + n] for i in range(max(1, len(cleaned) - n + 1))}


def _incidence(texts: Sequence[str], vocabulary: dict[str, int], n: int) -> sparse.csr_matrix:
    """Texts × grams 0/1 matrix; new grams are added to `vocabulary` (its width is set by the caller)."""
    indptr, indices = [0], []
    for text in texts:
        indices.extend(vocabulary.setdefault(gram, len(vocabulary)) for gram in char_ngrams(text, n))
        indptr.append(len(indices))
    return sparse.csr_matrix((np.ones(len(indices), dtype=np.int32), indices, indptr))


def max_similarity(texts: Sequence[str], others: Sequence[str], n: int = NGRAM,
                   exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """For each of `texts`, the highest Jaccard similarity of its character n-grams to any of `others`,
    and the index of that other text (-1 when `others` is empty). With `exclude_self` the two sequences
    are the same texts and a text is not compared with itself."""
    if exclude_self and len(texts) != len(others):
        raise ValueError("exclude_self compares a sequence with itself: texts and others must be the same")
    if not texts:
        return np.zeros(0), np.zeros(0, dtype=int)
    if not others:
        return np.zeros(len(texts)), np.full(len(texts), -1)
    vocabulary: dict[str, int] = {}
    A, B = _incidence(texts, vocabulary, n), _incidence(others, vocabulary, n)
    A.resize(A.shape[0], len(vocabulary))
    B.resize(B.shape[0], len(vocabulary))
    sizes_a = np.diff(A.indptr)
    sizes_b = np.diff(B.indptr)
    BT = B.T.tocsc()
    best = np.zeros(len(texts))
    where = np.zeros(len(texts), dtype=int)
    for start in range(0, len(texts), BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, len(texts))
        shared = (A[start:stop] @ BT).toarray().astype(float)
        union = sizes_a[start:stop, None] + sizes_b[None, :] - shared
        similarity = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        if exclude_self:
            rows = np.arange(stop - start)
            similarity[rows, rows + start] = -1.0
        where[start:stop] = similarity.argmax(axis=1)
        best[start:stop] = np.maximum(similarity.max(axis=1), 0.0)
    return best, where
