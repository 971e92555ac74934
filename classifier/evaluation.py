"""Metrics of predictions against labelled examples (no texts are ever printed, only aggregates)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
from sklearn.metrics import f1_score

from . import labels
from .corpus import Example
from .model import Prediction

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def evaluate_model(model, version: str, examples: Sequence[Example]) -> dict:
    """Metrics of a loaded VoiceModel on labelled examples."""
    return evaluate_predictions(examples, model.predict([e.text for e in examples], version), bu_of=model.bu_of)


def evaluate_predictions(examples: Sequence[Example], predictions: Sequence[Prediction], *,
                         bu_of: Callable[[str], str] = labels.bu_of) -> dict:
    """課 top-1/top-3/macro-F1, 部 accuracy, measures micro-F1, voice-type accuracy, confusions, thresholds.

    `bu_of` gives the true 部 of a 課 label (the model's organization, when the city has changed it)."""
    if not examples:
        raise ValueError("nothing to evaluate: no examples")
    truth = [e.section for e in examples]
    predicted = [p.section for p in predictions]
    result = {
        "n": len(examples),
        "section_top1": _mean(t == p for t, p in zip(truth, predicted)),
        "section_top3": _mean(e.section in [s for s, _ in p.section_top] for e, p in zip(examples, predictions)),
        "section_macro_f1": float(f1_score(truth, predicted, average="macro", labels=sorted(set(truth)))),
        "bu_accuracy": _mean(bu_of(t) == p.bu for t, p in zip(truth, predictions)),
    }
    with_measures = [(e, p) for e, p in zip(examples, predictions) if e.has_measures]
    if with_measures:
        result["measures_micro_f1"] = measures_micro_f1(
            [e.measures for e, _ in with_measures], [p.measures for _, p in with_measures]
        )
        result["measures_n"] = len(with_measures)
    typed = [(e, p) for e, p in zip(examples, predictions) if e.voice_type]
    if typed:
        result["voice_type_accuracy"] = _mean(e.voice_type == p.voice_type for e, p in typed)
        result["voice_type_n"] = len(typed)
    if any(e.alt_sections for e in examples):
        result["section_or_alt_top1"] = _mean(
            p.section == e.section or p.section in e.alt_sections for e, p in zip(examples, predictions)
        )
    result["confused_pairs"] = confused_pairs(truth, predicted)
    result["thresholds"] = threshold_table(
        [p.confidence for p in predictions], [t == p for t, p in zip(truth, predicted)]
    )
    return result


def measures_micro_f1(truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    """Micro-F1 over measure codes; an example with no measures on either side adds nothing."""
    tp = fp = fn = 0
    for t, p in zip(truth, predicted):
        t, p = set(t), set(p)
        tp += len(t & p)
        fp += len(p - t)
        fn += len(t - p)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def confused_pairs(truth: Sequence[str], predicted: Sequence[str], top: int = 10) -> list[list]:
    """The most frequent (true 課, predicted 課) mistakes with counts."""
    counts = Counter((t, p) for t, p in zip(truth, predicted) if t != p)
    return [[t, p, n] for (t, p), n in counts.most_common(top)]


def threshold_table(confidences: Sequence[float], correct: Sequence[bool], thresholds=THRESHOLDS) -> list[dict]:
    """For each threshold: share of voices auto-routed (confidence ≥ t) and the accuracy of those."""
    confidences = np.asarray(confidences, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    rows = []
    for threshold in thresholds:
        routed = confidences >= threshold
        rows.append({
            "threshold": threshold,
            "auto_routed": float(routed.mean()) if len(routed) else 0.0,
            "accuracy": float(correct[routed].mean()) if routed.any() else None,
        })
    return rows


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Weighted mean |accuracy − confidence| over equal-width confidence bins."""
    confidences = np.asarray(confidences, dtype=float)
    correct = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in pairwise(edges):
        inside = (confidences > low) & (confidences <= high)
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidences[inside].mean())
    return float(total)


def format_report(result: dict, title: str = "") -> str:
    """Human-readable lines for the CLI."""
    lines = [title] if title else []
    lines.append(f"  voices                    {result['n']}")
    lines.append(f"  課 top-1 accuracy         {result['section_top1']:.4f}")
    lines.append(f"  課 top-3 accuracy         {result['section_top3']:.4f}")
    lines.append(f"  課 macro-F1               {result['section_macro_f1']:.4f}")
    lines.append(f"  部 accuracy               {result['bu_accuracy']:.4f}")
    if "measures_micro_f1" in result:
        lines.append(f"  measures micro-F1         {result['measures_micro_f1']:.4f}  (n={result['measures_n']})")
    if "voice_type_accuracy" in result:
        lines.append(f"  voice type accuracy       {result['voice_type_accuracy']:.4f}  (n={result['voice_type_n']})")
    if "section_or_alt_top1" in result:
        lines.append(f"  top-1 in 課 ∪ alt_sections {result['section_or_alt_top1']:.4f}")
    if result.get("confused_pairs"):
        lines.append("  most confused (true → predicted: count)")
        lines.extend(f"    {t} → {p}: {n}" for t, p, n in result["confused_pairs"])
    lines.append("  abstain threshold: auto-routed share / accuracy of those")
    for row in result["thresholds"]:
        accuracy = "-" if row["accuracy"] is None else f"{row['accuracy']:.4f}"
        lines.append(f"    ≥{row['threshold']:.1f}  {row['auto_routed']:.4f}  {accuracy}")
    return "\n".join(lines)


def _mean(values) -> float:
    values = list(values)
    return float(sum(values) / len(values)) if values else 0.0
