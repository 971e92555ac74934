"""Feature extraction from analyzed documents: word TF-IDF over Sudachi tokens and char n-grams.

A document is the pair `(clean_text, tokens)` made once per text by `tokenizer.analyze`; every
extractor and all three models read that pair, so a text is tokenized once per prediction. The
analyzers are module-level functions so that fitted vectorizers pickle.
"""

from __future__ import annotations

from typing import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .tokenizer import analyze

Doc = tuple[str, list[str]]


def analyze_texts(texts: Sequence[str]) -> list[Doc]:
    """One analysis per text."""
    return [analyze(text) for text in texts]


def word_unigrams(doc: Doc) -> list[str]:
    """The Sudachi tokens themselves."""
    return doc[1]


def word_uni_bigrams(doc: Doc) -> list[str]:
    """Tokens plus adjacent token pairs (対応 遅い → '対応 遅い')."""
    tokens = doc[1]
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def char_ngrams_text(doc: Doc) -> list[str]:
    """Character 2–3-grams of the cleaned text (robust to typos and unknown words)."""
    text = doc[0]
    return [text[i : i + 2] for i in range(len(text) - 1)] + [text[i : i + 3] for i in range(len(text) - 2)]


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
    "char_tokens": char_ngrams_tokens,
}


def tfidf(analyzer: str, *, min_df: int = 1, max_df: float = 1.0) -> TfidfVectorizer:
    """A TF-IDF vectorizer over one of ANALYZERS with every parameter pinned."""
    return TfidfVectorizer(
        analyzer=ANALYZERS[analyzer],
        lowercase=False,
        min_df=min_df,
        max_df=max_df,
        sublinear_tf=True,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        dtype=_float32(),
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


def _float32():
    import numpy

    return numpy.float32


def feature_names(vectorizer) -> list[str]:
    """Readable feature names, without the FeatureUnion prefix."""
    names = vectorizer.get_feature_names_out()
    return [name.split("__", 1)[1] if "__" in name else name for name in names]


def word_feature_mask(vectorizer):
    """Boolean array over features: True for word (token) features, False for character n-grams."""
    import numpy

    names = vectorizer.get_feature_names_out()
    if not hasattr(vectorizer, "transformer_list"):
        return numpy.full(len(names), not _is_char(vectorizer.analyzer))
    return numpy.array([not name.startswith("char") for name in names])


def _is_char(analyzer) -> bool:
    return getattr(analyzer, "__name__", "").startswith("char")
