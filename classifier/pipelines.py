"""Pinned scikit-learn pipelines for the three tasks and how they are fitted together.

Every estimator parameter is written out here, with a fixed random state, so that a version's
metadata (`describe()`) says exactly what was trained.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from . import labels
from .config import training_jobs
from .corpus import Example
from .estimators import MeanLinear, MultiLabelPlatt, TemperatureScaled
from .evaluation import expected_calibration_error, measures_micro_f1, threshold_table
from .features import Doc, analyze_texts, build_features, needs_reading
from .model import VoiceModel, decide_measures
from .organization import Organization

RANDOM_STATE = 0
CV_FOLDS = 5


@dataclass(frozen=True)
class PipelineSpec:
    """Everything that defines a trained model apart from its data."""

    features: str = "word+char3_text"
    section_classifier: str = "linsvc+ridge"  # "linsvc+ridge": the mean of the two (MeanLinear)
    section_c: float = 0.5  # C of the 課 classifier (of its LinearSVC in "linsvc+ridge")
    section_ridge_c: float = 1.0  # C (1 / alpha) of the ridge member in "linsvc+ridge"
    select_k: int | None = None  # χ² top-k selection in front of the 課 classifier; None = all features
    type_classifier: str = "linsvc"
    type_c: float = 0.5
    measures_c: float = 0.3
    measures_threshold: float = 0.2
    measures_second_threshold: float = 0.5  # a voice's second code needs this much probability
    measures_none_threshold: float = 0.8
    lexicon_weight: float = 1.0  # weight of each lexicon term as a one-line 課 example; 0 = no lexicon
    cue_weight: float = 1.0  # weight of each measure cue phrase as a one-line measure example; 0 = none

    def measures_of(self, probabilities, measure_labels) -> list[str]:
        """The measure codes this spec's thresholds give one row of measure probabilities."""
        return decide_measures(probabilities, measure_labels, self.measures_threshold, self.measures_none_threshold,
                               second_threshold=self.measures_second_threshold)

    def describe(self) -> dict:
        """Spec plus the full parameters of each estimator, for the artifact metadata."""
        return {
            "spec": asdict(self),
            "section_estimator": _params(section_estimator(self)),
            "type_estimator": _params(linear_classifier(self.type_classifier, self.type_c)),
            "measures_estimator": _params(measures_estimator(self)),
            "vectorizer": _params(build_features(self.features)),
            "cv_folds": CV_FOLDS,
            "random_state": RANDOM_STATE,
        }


CHOSEN = PipelineSpec()


def linear_classifier(name: str, c: float):
    """A linear classifier with every parameter pinned."""
    if name == "linsvc":
        return LinearSVC(C=c, class_weight="balanced", loss="squared_hinge", penalty="l2", dual=True,
                         tol=1e-4, max_iter=5000, random_state=RANDOM_STATE)
    if name == "logreg":
        return LogisticRegression(C=c, class_weight="balanced", solver="lbfgs", penalty="l2", tol=1e-4,
                                  max_iter=3000, random_state=RANDOM_STATE)
    if name == "ridge":
        return RidgeClassifier(alpha=1.0 / c, class_weight="balanced", solver="sparse_cg", tol=1e-4,
                               random_state=RANDOM_STATE)
    raise ValueError(f"unknown classifier {name!r}")


def section_estimator(spec: PipelineSpec, n_features: int | None = None):
    """The 課 classifier over the shared features, with optional χ² selection of the top-k features
    (all of them when a small training set has fewer than k)."""
    if spec.section_classifier == "linsvc+ridge":
        classifier = MeanLinear([("linsvc", linear_classifier("linsvc", spec.section_c)),
                                 ("ridge", linear_classifier("ridge", spec.section_ridge_c))])
    else:
        classifier = linear_classifier(spec.section_classifier, spec.section_c)
    if not spec.select_k:
        return classifier
    k = min(spec.select_k, n_features) if n_features else spec.select_k
    return Pipeline([("select", SelectKBest(chi2, k=k)), ("classify", classifier)])


def measures_estimator(spec: PipelineSpec, n_jobs: int | None = None) -> MultiLabelPlatt:
    """One balanced linear SVM per measure code and for "none", Platt-scaled (labels fitted in `n_jobs`
    processes; default `config.training_jobs()`)."""
    return MultiLabelPlatt(C=spec.measures_c, cv=CV_FOLDS, random_state=RANDOM_STATE,
                           n_jobs=n_jobs or training_jobs())


def measure_matrix(examples: Sequence[Example], measure_labels: Sequence[str]) -> np.ndarray:
    """0/1 matrix over measure_labels; the last label is "none" (no measure at all)."""
    index = {code: i for i, code in enumerate(measure_labels)}
    matrix = np.zeros((len(examples), len(measure_labels)), dtype=np.int8)
    for row, example in enumerate(examples):
        for code in example.measures or (labels.NO_MEASURE,):
            matrix[row, index[code]] = 1
    return matrix


def matrix_codes(matrix: np.ndarray, measure_labels: Sequence[str]) -> list[list[str]]:
    """The inverse of measure_matrix: each row's measure codes, "none" left out."""
    return [[measure_labels[i] for i in np.flatnonzero(row) if measure_labels[i] != labels.NO_MEASURE]
            for row in matrix]


def cue_background(vectorizer, cues: Sequence[tuple[str, str]], cue_docs: list[Doc], measure_labels: Sequence[str],
                   weight: float):
    """(X, Y, weights) of the measure cue phrases, the background rows of the measures model."""
    matrix = np.zeros((len(cues), len(measure_labels)), dtype=np.int8)
    matrix[np.arange(len(cues)), [list(measure_labels).index(code) for _, code in cues]] = 1
    return vectorizer.transform(cue_docs).tocsr(), matrix, np.full(len(cues), weight)


def fit_voice_model(docs: list[Doc], examples: Sequence[Example], spec: PipelineSpec = CHOSEN, *,
                    lexicon: Sequence[Example] = (), cues: Sequence[tuple[str, str]] = (), n_jobs: int | None = None,
                    organization: Organization | None = None):
    """Fit the shared vectorizer and the three classifiers; returns (VoiceModel, cross-validated metrics).

    `lexicon` examples (one term and its 課 each) train the 課 model and `cues` ((phrase, measure code))
    the measures model, beside `examples`, with the spec's weights (0 leaves them out). They are never
    held out, so the cross-validated metrics are those of `examples` alone. `n_jobs` worker processes
    (default `config.training_jobs()`) fit the folds; the model does not depend on it. `organization`
    gives the 部 of each 課 label (default: the reference organization)."""
    started = time.perf_counter()
    jobs = n_jobs or training_jobs()
    weights = np.array([e.weight for e in examples], dtype=float)
    # a lexicon term of a 課 the examples lack would add a class the calibrated model does not know
    known = {e.section for e in examples}
    lexicon = [e for e in lexicon if e.section in known] if spec.lexicon_weight > 0 else []
    cues = list(cues) if spec.cue_weight > 0 else []
    reading = needs_reading(spec.features)
    lexicon_docs = analyze_texts([e.text for e in lexicon], reading=reading)
    cue_docs = analyze_texts([phrase for phrase, _ in cues], reading=reading)
    vectorizer = build_features(spec.features)
    vectorizer.fit(list(docs) + lexicon_docs + cue_docs)
    X = vectorizer.transform(docs).tocsr()

    sections = np.array([e.section for e in examples])
    section_background = None
    if lexicon:
        section_background = (vectorizer.transform(lexicon_docs).tocsr(), np.array([e.section for e in lexicon]),
                              np.full(len(lexicon), spec.lexicon_weight))
    section = TemperatureScaled(section_estimator(spec, X.shape[1]), cv=CV_FOLDS, random_state=RANDOM_STATE,
                                n_jobs=jobs)
    section.fit(X, sections, sample_weight=weights, background=section_background)

    typed = np.array([i for i, e in enumerate(examples) if e.voice_type])
    voice_types = np.array([examples[i].voice_type for i in typed])
    voice_type = TemperatureScaled(linear_classifier(spec.type_classifier, spec.type_c), cv=CV_FOLDS,
                                   random_state=RANDOM_STATE, n_jobs=jobs)
    voice_type.fit(X[typed], voice_types, sample_weight=weights[typed])

    measured = np.array([i for i, e in enumerate(examples) if e.has_measures])
    measure_labels = labels.measure_codes() + [labels.NO_MEASURE]
    Y = measure_matrix([examples[i] for i in measured], measure_labels)
    measures_background = cue_background(vectorizer, cues, cue_docs, measure_labels, spec.cue_weight) if cues else None
    measures = measures_estimator(spec, jobs)
    measures.fit(X[measured], Y, sample_weight=weights[measured], background=measures_background)

    section_bu = {str(c): organization.bu_of(str(c)) for c in section.classes_} if organization else None
    model = VoiceModel(vectorizer, section, voice_type, measures, measure_labels, spec.measures_threshold,
                       spec.measures_none_threshold, second_threshold=spec.measures_second_threshold,
                       section_bu=section_bu)
    metrics = {
        "section": _section_cv_metrics(section, sections, model.bu_of),
        "voice_type_accuracy": float(np.mean(voice_type.classes_[voice_type.oof_proba().argmax(1)] == voice_types)),
        "measures_micro_f1": _measures_cv_f1(measures.oof_proba_, Y, model),
        "folds": CV_FOLDS,
    }
    for part in (section, voice_type, measures):
        part.drop_training_state()
    metrics["fit_seconds"] = round(time.perf_counter() - started, 2)
    return model, metrics


def _section_cv_metrics(section: TemperatureScaled, truth: np.ndarray, bu_of) -> dict:
    from sklearn.metrics import f1_score

    proba = section.oof_proba()
    order = np.argsort(-proba, axis=1)
    predicted = section.classes_[order[:, 0]]
    correct = predicted == truth
    confidence = proba.max(axis=1)
    return {
        "top1": float(correct.mean()),
        "top3": float(np.mean([t in section.classes_[o[:3]] for t, o in zip(truth, order)])),
        "macro_f1": float(f1_score(truth, predicted, average="macro")),
        "bu_accuracy": float(np.mean([bu_of(t) == bu_of(p) for t, p in zip(truth, predicted)])),
        "ece": expected_calibration_error(confidence, correct),
        "temperature": section.temperature_,
        "thresholds": threshold_table(confidence, correct),
    }


def _measures_cv_f1(oof_proba: np.ndarray, Y: np.ndarray, model: VoiceModel) -> float:
    return measures_micro_f1(matrix_codes(Y, model.measure_labels), [model.measures_of(p) for p in oof_proba])


def _params(estimator) -> dict:
    """get_params() made JSON-safe (callables and estimators by name)."""
    out = {}
    for key, value in estimator.get_params(deep=True).items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        elif isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
            out[key] = list(value)
        elif callable(value) and hasattr(value, "__name__"):
            out[key] = f"{getattr(value, '__module__', '')}.{value.__name__}"
        elif isinstance(value, type):
            out[key] = value.__name__
        else:
            out[key] = type(value).__name__
    return out
