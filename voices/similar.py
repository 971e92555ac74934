"""似た声: the nearest earlier voices of a new voice, found at intake and stored as links.

A voice is represented by its Sudachi tokens (``Voice.search_tokens``, the one tokenizer of the
classifier) as a binary bag of words, hashed into a sparse vector and weighted by the inverse
document frequency over the most recent ``WINDOW`` voices; similarity is the cosine of two such
vectors. Tokens that occur in a large share of the window (ください, 市, 思う …) are ignored once the
window is big enough to tell, which keeps the comparison sparse and the scores meaningful.

Each process keeps an index of the window per database and tops it up from the database (voices
with a higher id than it has seen) whenever it is used, so several web processes and workers agree
without any shared state beyond the database.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sqlalchemy import func, select

from models import SimilarVoice, Voice, db, utcnow
from models.bulk import BulkRows
from voices.search import search_tokens_for

N_FEATURES = 2**20
TOP_K = 3  # links stored per voice
MIN_SCORE = 0.3  # below this cosine two voices are not "similar"
WINDOW = 20_000  # how many recent voices a new voice is compared with
MAX_DF_SHARE = 0.05  # tokens in more than this share of the window are ignored …
MAX_DF_FLOOR = 50  # … but only tokens seen in at least this many voices


def split_tokens(text: str) -> list[str]:
    """The analyzer of the hashing vectorizer: stored tokens are space-separated."""
    return text.split()


_hasher = HashingVectorizer(
    analyzer=split_tokens, n_features=N_FEATURES, alternate_sign=False, norm=None, binary=True,
    dtype=np.float32,
)


@dataclass(frozen=True)
class Match:
    """An earlier voice and its cosine similarity to the text or voice asked about."""

    voice_id: int
    score: float


class SimilarityIndex:
    """The recent voices of one database as a sparse matrix, with idf weights derived from them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = np.empty(0, dtype=np.int64)
        self.counts = sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
        self.last_id = 0
        self._weights: np.ndarray | None = None
        self._matrix: sparse.csr_matrix | None = None

    def refresh(self, below_id: int | None = None) -> None:
        """Load voices added since the last refresh (only ids below ``below_id`` when given)."""
        newest = db.session.scalar(select(func.max(Voice.id))) or 0
        if newest < self.last_id:  # the database was emptied or replaced: start again
            self.__init__()
        query = select(Voice.id, Voice.search_tokens).where(Voice.id > self.last_id)
        if below_id is not None:
            query = query.where(Voice.id < below_id)
        if self.last_id == 0:  # first load: only the most recent window
            rows = db.session.execute(query.order_by(Voice.id.desc()).limit(WINDOW)).all()[::-1]
        else:
            rows = db.session.execute(query.order_by(Voice.id)).all()
        if not rows:
            return
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        counts = _hasher.transform([row[1] or "" for row in rows]).tocsr()
        self.ids = np.concatenate([self.ids, ids])
        self.counts = sparse.vstack([self.counts, counts], format="csr")
        self.last_id = int(ids[-1])
        if len(self.ids) > WINDOW * 5 // 4:
            self.ids = self.ids[-WINDOW:]
            self.counts = self.counts[-WINDOW:]
        self._weights = self._matrix = None

    @property
    def weights(self) -> np.ndarray:
        """Per-feature weights: smoothed idf, zero for tokens too common to tell voices apart."""
        if self._weights is None:
            n = self.counts.shape[0]
            df = np.asarray((self.counts > 0).sum(axis=0)).ravel()
            weights = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
            weights[df > max(MAX_DF_SHARE * n, MAX_DF_FLOOR)] = 0.0
            self._weights = weights
        return self._weights

    def weighted(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Rows of ``counts`` weighted by ``weights`` and scaled to unit length."""
        rows = counts.multiply(self.weights).tocsr()
        norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.diags(1.0 / norms).dot(rows).tocsr().astype(np.float32)

    @property
    def matrix(self) -> sparse.csr_matrix:
        if self._matrix is None:
            self._matrix = self.weighted(self.counts)
        return self._matrix


_indexes: dict[str, SimilarityIndex] = {}
_indexes_lock = threading.Lock()


def _index() -> SimilarityIndex:
    """This process's index for the current database."""
    key = str(db.engine.url)
    with _indexes_lock:
        if key not in _indexes:
            _indexes[key] = SimilarityIndex()
        return _indexes[key]


def _top(scores: np.ndarray, ids: np.ndarray, limit: int) -> list[Match]:
    """The ``limit`` best matches at or above ``MIN_SCORE``, best first."""
    if scores.size == 0:
        return []
    k = min(limit, scores.size)
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [Match(int(ids[i]), round(float(scores[i]), 4)) for i in best if scores[i] >= MIN_SCORE]


def similar_to_text(text: str, limit: int = TOP_K, exclude: Iterable[int] = ()) -> list[Match]:
    """The earlier voices most like ``text`` (for the counter's live panel; nothing is stored)."""
    tokens = search_tokens_for(text)
    if not tokens.strip():
        return []
    index = _index()
    with index.lock:
        index.refresh()
        if not len(index.ids):
            return []
        query = index.weighted(_hasher.transform([tokens]).tocsr())
        scores = index.matrix.dot(query.T).toarray().ravel()
        ids = index.ids
    excluded = set(exclude)
    if excluded:
        keep = ~np.isin(ids, list(excluded))
        scores, ids = scores[keep], ids[keep]
    return _top(scores, ids, limit)


def link_similar(voices: Sequence[Voice], rows: BulkRows | None = None) -> int:
    """Store 似た声 links from each new voice (with an id, not yet committed) to its nearest earlier voices.

    Earlier means a lower id: the recent window from the database plus the voices before it in
    ``voices``. Fills ``search_tokens`` of the new voices where still empty. The links are added to
    ``rows`` (inserted by the caller after the voices), or inserted right away. Returns their number;
    the caller commits.
    """
    if not voices:
        return 0
    for voice in voices:
        if not voice.search_tokens:
            text = f"{voice.subject}\n{voice.body}" if voice.subject else voice.body
            voice.search_tokens = search_tokens_for(text)
    voices = sorted(voices, key=lambda v: v.id)
    index = _index()
    with index.lock:
        index.refresh(below_id=voices[0].id)
        fresh = index.weighted(_hasher.transform([v.search_tokens for v in voices]).tocsr())
        window_scores = index.matrix.dot(fresh.T).T.tocsr() if len(index.ids) else None
        window_ids = index.ids
    batch_scores = fresh.dot(fresh.T).toarray()  # at most a chunk of an import: small and dense
    batch_ids = np.array([v.id for v in voices], dtype=np.int64)
    direct = rows is None
    rows = BulkRows() if direct else rows
    now = utcnow()
    count = 0
    for position, voice in enumerate(voices):
        candidates_ids = [batch_ids[:position]]
        candidates_scores = [batch_scores[position, :position]]
        if window_scores is not None:
            row = window_scores.getrow(position)
            candidates_ids.append(window_ids[row.indices])
            candidates_scores.append(row.data)
        matches = _top(np.concatenate(candidates_scores), np.concatenate(candidates_ids), TOP_K)
        for rank, match in enumerate(matches, start=1):
            rows.add(SimilarVoice, voice_id=voice.id, similar_voice_id=match.voice_id, score=match.score,
                     rank=rank, created_at=now)
            count += 1
    if direct:
        db.session.flush()
        rows.insert_all()
    return count


def similar_voices_of(voice_id: int) -> list[SimilarVoice]:
    """The stored 似た声 links of a voice, nearest first."""
    return list(db.session.scalars(
        select(SimilarVoice).where(SimilarVoice.voice_id == voice_id).order_by(SimilarVoice.rank)
    ))
