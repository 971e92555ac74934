"""Cross-validated comparisons behind the chosen tokenizer and pipeline (`python -m classifier compare`).

Everything runs on the corpus' train split only (5 stratified folds, random_state 0); the fixed test
split is never looked at here.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from .corpus import load_corpus, split
from .features import analyze_texts, build_features
from .pipelines import CHOSEN, CV_FOLDS, RANDOM_STATE, PipelineSpec, linear_classifier, section_estimator
from .tokenizer import DEFAULT, TokenizerSettings, clean_text, tokenize_with

TOKENIZER_VARIANTS: dict[str, TokenizerSettings] = {
    "mode C": replace(DEFAULT, mode="C"),
    "mode B": replace(DEFAULT, mode="B"),
    "mode A": replace(DEFAULT, mode="A"),
    "mode C + A parts (chosen)": DEFAULT,
    "surface form": replace(DEFAULT, form="surface"),
    "dictionary form": replace(DEFAULT, form="dictionary"),
    "no variant table": replace(DEFAULT, variants=False),
    "POS: all words": replace(DEFAULT, pos="all"),
    "POS: content only": replace(DEFAULT, pos="content"),
    "POS: nouns only": replace(DEFAULT, pos="nouns"),
    "no stop words": replace(DEFAULT, stop_words=False),
}

PIPELINE_CANDIDATES: dict[str, PipelineSpec] = {
    f"{features} / {classifier}": PipelineSpec(features=features, section_classifier=classifier,
                                               section_c=c, select_k=None)
    for features in ("word", "char_text", "word+char_text")
    for classifier, c in (("linsvc", 0.5), ("logreg", 20.0), ("ridge", 1.0))
} | {
    "word+char_tokens / linsvc": PipelineSpec(features="word+char_tokens", select_k=None),
    "word12+char_text / linsvc": PipelineSpec(features="word12+char_text", select_k=None),
    "word+char_text / χ² 3000 / linsvc": replace(CHOSEN, select_k=3000),
    "word+char_text / χ² 5000 / linsvc": replace(CHOSEN, select_k=5000),
    "word+char_text / χ² 10000 / linsvc": replace(CHOSEN, select_k=10000),
}


def _folds():
    return StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=RANDOM_STATE)


def _train_split():
    train, _ = split(load_corpus())
    return train


def compare_tokenizers(variants: dict[str, TokenizerSettings] = TOKENIZER_VARIANTS) -> str:
    """CV macro-F1 of 課 and voice-type accuracy with word TF-IDF + LinearSVC per tokenizer variant."""
    examples = _train_split()
    texts = [e.text for e in examples]
    sections = np.array([e.section for e in examples])
    types = np.array([e.voice_type or "" for e in examples])
    chars = sum(len(clean_text(t)) for t in texts)
    rows = [f"{'tokenizer variant':28s}{'課 macro-F1':>12s}{'type acc':>10s}{'tokens/voice':>14s}"
            f"{'vocabulary':>12s}{'chars/s':>10s}"]
    for name, settings in variants.items():
        tokenize_with("準備", settings)
        started = time.perf_counter()
        docs = [("", tokenize_with(t, settings)) for t in texts]
        speed = chars / (time.perf_counter() - started)
        model = Pipeline([("features", build_features("word")), ("classify", linear_classifier("linsvc", 0.5))])
        section_pred = cross_val_predict(model, docs, sections, cv=_folds(), n_jobs=2)
        type_pred = cross_val_predict(model, docs, types, cv=_folds(), n_jobs=2)
        rows.append(
            f"{name:28s}{f1_score(sections, section_pred, average='macro'):12.4f}"
            f"{accuracy_score(types, type_pred):10.4f}{np.mean([len(d[1]) for d in docs]):14.1f}"
            f"{len({t for d in docs for t in d[1]}):12d}{speed / 1000:9.0f}k"
        )
    return "\n".join(rows)


def compare_pipelines(candidates: dict[str, PipelineSpec] = PIPELINE_CANDIDATES) -> str:
    """CV macro-F1 (mean ± std over folds), accuracy and top-3 of the 課 model per pipeline."""
    examples = _train_split()
    docs = analyze_texts([e.text for e in examples])
    sections = np.array([e.section for e in examples])
    rows = [f"{'pipeline (features / classifier)':38s}{'macro-F1':>10s}{'± std':>8s}{'top-1':>8s}"
            f"{'top-3':>8s}{'seconds':>9s}"]
    for name, spec in candidates.items():
        started = time.perf_counter()
        model = Pipeline([("features", build_features(spec.features)), ("classify", section_estimator(spec))])
        decision = cross_val_predict(model, docs, sections, cv=_folds(), n_jobs=2, method="decision_function")
        classes = np.unique(sections)
        order = np.argsort(-decision, axis=1)
        predicted = classes[order[:, 0]]
        per_fold = [f1_score(sections[test], predicted[test], average="macro")
                    for _, test in _folds().split(docs, sections)]
        top3 = np.mean([s in classes[o[:3]] for s, o in zip(sections, order)])
        rows.append(
            f"{name:38s}{np.mean(per_fold):10.4f}{np.std(per_fold):8.4f}"
            f"{accuracy_score(sections, predicted):8.4f}{top3:8.4f}{time.perf_counter() - started:9.1f}"
        )
    return "\n".join(rows)
