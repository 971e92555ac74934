"""Feature extraction from analyzed documents: word TF-IDF over Sudachi tokens and char n-grams.

A document is the pair `(clean_text, tokens)` made once per text by `tokenizer.analyze`; every
extractor and all three models read that pair, so a text is tokenized once per prediction. The
analyzers are module-level functions so that fitted vectorizers pickle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .tokenizer import analyze

Doc = tuple[str, list[str], str]  # (clean text, tokens, katakana reading): tokenizer.analyze


def analyze_texts(texts: Sequence[str], *, reading: bool = False) -> list[Doc]:
    """One analysis per text (with its katakana reading when `reading`: see `needs_reading`)."""
    return [analyze(text, reading=reading) for text in texts]


def needs_reading(spec: str) -> bool:
    """Whether a feature spec reads the katakana reading of a text (the kana3 analyzer)."""
    return "kana3" in spec.split("+")


def vectorizer_needs_reading(vectorizer) -> bool:
    """Whether a fitted vectorizer reads the katakana reading."""
    parts = getattr(vectorizer, "transformer_list", None) or [("", vectorizer)]
    return any(part.analyzer is kana_trigrams for _, part in parts)


def word_unigrams(doc: Doc) -> list[str]:
    """The Sudachi tokens themselves."""
    return doc[1]


def word_uni_bigrams(doc: Doc) -> list[str]:
    """Tokens plus adjacent token pairs (対応 遅い → '対応 遅い')."""
    tokens = doc[1]
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def char_ngrams_text(doc: Doc) -> list[str]:
    """Character 2–3-grams of the cleaned text (robust to typos and unknown words)."""
    text = doc[0]
    return [text[i : i + 2] for i in range(len(text) - 1)] + [text[i : i + 3] for i in range(len(text) - 2)]


def char_trigrams_text(doc: Doc) -> list[str]:
    """Character 3-grams of the cleaned text: as accurate as 2–3-grams here at half the cost."""
    text = doc[0]
    return [text[i : i + 3] for i in range(len(text) - 2)]


def kana_trigrams(doc: Doc) -> list[str]:
    """Character 3-grams of the katakana reading: the same for a word written in kanji or in kana."""
    reading = doc[2]
    return [reading[i : i + 3] for i in range(len(reading) - 2)]


def char_ngrams_tokens(doc: Doc) -> list[str]:
    """Character 2–3-grams inside each normalized token, with boundary marks (like char_wb)."""
    grams = []
    for token in doc[1]:
        padded = f" {token} "
        grams.extend(padded[i : i + 2] for i in range(len(padded) - 1))
        grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


ANALYZERS = {
    "word": word_unigrams,
    "word12": word_uni_bigrams,
    "char_text": char_ngrams_text,
    "char3_text": char_trigrams_text,
    "char_tokens": char_ngrams_tokens,
    "kana3": kana_trigrams,
}
# trigram analyzers counted by the fast path, with the field of the Doc they read
_TRIGRAM_FIELDS = {char_trigrams_text: 0, kana_trigrams: 2}


class CountingTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer with a faster transform: features are counted with collections.Counter (in C),
    and character trigrams of the whole batch are looked up at once with numpy. Same matrix as
    TfidfVectorizer; character features no longer cost more than a fraction of the tokenization."""

    def _count_vocab(self, raw_documents, fixed_vocab):
        if not fixed_vocab:
            return super()._count_vocab(raw_documents, fixed_vocab)
        field = _TRIGRAM_FIELDS.get(self.analyzer)
        if field is not None:
            return self.vocabulary_, self._count_trigrams([doc[field] for doc in raw_documents])
        analyze = self.build_analyzer()
        lookup = self.vocabulary_.get
        indices: list[int] = []
        values: list[int] = []
        indptr = [0]
        for doc in raw_documents:
            for feature, count in Counter(analyze(doc)).items():
                index = lookup(feature)
                if index is not None:
                    indices.append(index)
                    values.append(count)
            indptr.append(len(indices))
        X = sp.csr_matrix(
            (np.asarray(values, dtype=self.dtype), np.asarray(indices, dtype=np.int32),
             np.asarray(indptr, dtype=np.int32)),
            shape=(len(indptr) - 1, len(self.vocabulary_)),
        )
        X.sort_indices()
        return self.vocabulary_, X

    def _count_trigrams(self, texts: list[str]):
        """Counts of vocabulary trigrams per text: code points packed into one int64 per trigram,
        matched against the sorted vocabulary keys by binary search."""
        keys, columns = self._trigram_table()
        if not len(keys) or not texts:
            return sp.csr_matrix((len(texts), len(self.vocabulary_)), dtype=self.dtype)
        # NUL separates texts (clean_text removed control characters), so no trigram spans two texts
        joined = "\0".join(texts) + "\0"
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum([len(t) + 1 for t in texts])])
        grams = (codes[:-2] << 42) | (codes[1:-1] << 21) | codes[2:]
        position = np.minimum(np.searchsorted(keys, grams), len(keys) - 1)
        found = np.flatnonzero(keys[position] == grams)
        rows = np.searchsorted(starts, found, side="right") - 1
        X = sp.csr_matrix(
            (np.ones(len(found), dtype=self.dtype), (rows, columns[position[found]])),
            shape=(len(texts), len(self.vocabulary_)),
        )
        X.sum_duplicates()
        return X

    def _trigram_table(self):
        table = self.__dict__.get("_trigram_table_cache")
        if table is None:
            grams = [(g, i) for g, i in self.vocabulary_.items() if len(g) == 3]
            packed = np.array([(ord(g[0]) << 42) | (ord(g[1]) << 21) | ord(g[2]) for g, _ in grams], dtype=np.int64)
            order = np.argsort(packed)
            table = (packed[order], np.array([i for _, i in grams], dtype=np.int32)[order])
            self.__dict__["_trigram_table_cache"] = table
        return table

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_trigram_table_cache", None)
        return state


def tfidf(analyzer: str, *, min_df: int = 1, max_df: float = 1.0) -> TfidfVectorizer:
    """A TF-IDF vectorizer over one of ANALYZERS with every parameter pinned."""
    return CountingTfidfVectorizer(
        analyzer=ANALYZERS[analyzer],
        lowercase=False,
        min_df=min_df,
        max_df=max_df,
        sublinear_tf=True,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        dtype=np.float32,
    )


def build_features(spec: str) -> TfidfVectorizer | FeatureUnion:
    """The vectorizer for a feature spec: analyzer names joined by '+', e.g. 'word12+char_text'."""
    parts = spec.split("+")
    if len(parts) == 1:
        return tfidf(parts[0], min_df=_min_df(parts[0]))
    return FeatureUnion([(name, tfidf(name, min_df=_min_df(name))) for name in parts], n_jobs=None)


def _min_df(analyzer: str) -> int:
    # Char n-grams seen once are mostly noise and double the vocabulary; words seen once still help.
    return 2 if analyzer.startswith("char") else 1


def feature_names(vectorizer) -> list[str]:
    """Readable feature names, without the FeatureUnion prefix."""
    names = vectorizer.get_feature_names_out()
    return [name.split("__", 1)[1] if "__" in name else name for name in names]


def word_feature_mask(vectorizer) -> np.ndarray:
    """Boolean array over features: True for word (token) features, False for character n-grams."""
    names = vectorizer.get_feature_names_out()
    if not hasattr(vectorizer, "transformer_list"):
        return np.full(len(names), not _is_char(vectorizer.analyzer))
    return np.array([not name.startswith(_CHAR_PREFIXES) for name in names])


_CHAR_PREFIXES = ("char", "kana")


def _is_char(analyzer) -> bool:
    return getattr(analyzer, "__name__", "").startswith(_CHAR_PREFIXES)
