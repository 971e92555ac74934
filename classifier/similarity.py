"""Prediction together with the tokens it was made from, for callers that need both (bulk imports).

An import stores each voice's Sudachi tokens (for search and for 似た声) and classifies it; asking
``predict_many`` and ``tokenize`` separately would tokenize every text twice. ``predict_with_tokens``
analyzes each text once and returns both. Added for issue 4 (imports); it uses the active model
exactly as ``predictor.predict_many`` does.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import MAX_TEXT_CHARS, Prediction
from .predictor import _active_model


def predict_with_tokens(texts: Sequence[str]) -> tuple[list[Prediction], list[list[str]]]:
    """``predict_many(texts)`` and ``[tokenize(text) for text in texts]`` from one tokenization.

    Texts longer than the model reads (MAX_TEXT_CHARS) get their tokens from a separate pass.
    """
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"texts must be str, got {type(text).__name__}")
    version, model = _active_model()
    docs = model.analyze(texts)
    tokens = [doc[1] for doc in docs]
    for index, text in enumerate(texts):
        if len(text) > MAX_TEXT_CHARS:
            from .tokenizer import tokenize

            tokens[index] = tokenize(text)
    return model.predict_docs(docs, version), tokens
