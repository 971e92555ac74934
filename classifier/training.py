"""Training a version: corpus (+ staff examples) → fit → held-out check → save → promote if not worse."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import artifacts, corpus
from .config import model_dir_path, model_keep, training_jobs
from .corpus import Example
from .evaluation import evaluate_model
from .features import analyze_texts, needs_reading
from .organization import Organization
from .pipelines import CHOSEN, PipelineSpec, fit_voice_model
from .staff import DEFAULT_STAFF_WEIGHT, examples_from_records, load_staff_examples
from .tokenizer import DEFAULT as TOKENIZER_SETTINGS
from .tokenizer import clean_text

PROMOTE_CHOICES = ("auto", "always", "never")


@dataclass(frozen=True)
class TrainResult:
    """A trained version: its id, metrics, full metadata and whether it became active."""

    version: str
    metrics: dict
    metadata: dict
    promoted: bool
    previous_version: str | None = None
    decision: str = ""
    active_heldout: dict | None = field(default=None, repr=False)


def train(
    *,
    extra_examples: Iterable[Mapping | Example] = (),
    extra_weight: float = DEFAULT_STAFF_WEIGHT,
    database_url: str | None = None,
    corpus_dir: str | Path | None = None,
    model_dir: str | Path | None = None,
    promote: str = "auto",
    spec: PipelineSpec = CHOSEN,
    organization: Organization | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train on the corpus' train split plus extra examples; save a version; activate it per `promote`.

    promote="auto" activates the candidate when there is no usable active version, or when its 課
    top-1 accuracy on the held-out slice (the fixed test split of corpus + extras) is not worse than
    the active version's on the same slice. "always" / "never" force the decision.

    `organization` is the city's (default: the database's when `database_url` is given, else the
    reference): the 課 it added train as new classes, and a 課 merged into another trains that one.
    """
    if promote not in PROMOTE_CHOICES:
        raise ValueError(f"promote must be one of {PROMOTE_CHOICES}")
    say = log or (lambda message: print(message, file=sys.stderr))
    directory = Path(model_dir).expanduser().resolve() if model_dir else model_dir_path()
    keep, jobs = model_keep(), training_jobs()  # read first: a bad setting stops training before it starts
    started = time.perf_counter()

    corpus_examples = corpus.load_corpus(corpus_dir)
    from_db, skipped = [], 0
    if database_url:
        from_db, skipped, database_organization = load_staff_examples(database_url, weight=extra_weight)
        organization = organization or database_organization
    organization = organization or Organization.reference()
    extras, skipped_extra = examples_from_records(extra_examples, weight=extra_weight, organization=organization)
    extras, skipped = extras + from_db, skipped + skipped_extra
    examples = _merge([organization.relabel(e) for e in corpus_examples], extras)
    train_set, heldout = corpus.split(examples)
    say(f"training on {len(train_set)} voices ({len(extras)} staff-labelled, {skipped} skipped); "
        f"held out {len(heldout)}")

    lexicon, cues = corpus.load_lexicon(), corpus.load_measure_cues()
    docs = analyze_texts([e.text for e in train_set], reading=needs_reading(spec.features))
    model, cv_metrics = fit_voice_model(docs, train_set, spec,
                                        lexicon=organization.adapt_lexicon(lexicon), cues=cues,
                                        n_jobs=jobs, organization=organization)
    version = artifacts.new_version_id()
    heldout_metrics = evaluate_model(model, version, heldout)
    metrics = {"cv": cv_metrics, "heldout": heldout_metrics}
    corpus_heldout = [e for e in heldout if e.source == "corpus"]
    if len(corpus_heldout) != len(heldout) and corpus_heldout:
        metrics["test_split"] = evaluate_model(model, version, corpus_heldout)
    metrics["train_seconds"] = round(time.perf_counter() - started, 2)

    metadata = {
        "version": version,
        "corpus_hash": corpus.dataset_hash(corpus_examples),
        "lexicon_hash": corpus.dataset_hash(lexicon),
        "measure_cues_hash": corpus.text_pairs_hash(cues),
        "training_set_hash": corpus.dataset_hash(train_set),
        "counts": {
            "corpus": len(corpus_examples), "extra": len(extras), "extra_skipped": skipped,
            "train": len(train_set), "heldout": len(heldout), "lexicon_terms": len(lexicon), "measure_cues": len(cues),
        },
        "extra_weight": extra_weight,
        "test_split_rule": f"sha1(clean_text(text))[:8] mod 100 < {corpus.TEST_PERCENT}",
        "tokenizer": TOKENIZER_SETTINGS.__dict__,
        "parameters": spec.describe(),
        "organization": organization.describe(),
        "labels": {
            "sections": [str(c) for c in model.section.classes_], "measures": model.measure_labels,
            "voice_types": list(model.voice_type.classes_),
        },
        "metrics": metrics,
    }
    artifacts.save(model, metadata, directory)
    metadata = artifacts.read_metadata(version, directory)
    promoted, decision, previous, active_heldout = _decide(version, heldout, heldout_metrics, directory, promote)
    say(decision)
    deleted = artifacts.prune(keep, directory)
    if deleted:
        say(f"deleted {len(deleted)} older version(s), keeping the newest {keep}: {', '.join(deleted)}")
    return TrainResult(version, metrics, metadata, promoted, previous, decision, active_heldout)


def retrain_with_examples(
    examples: Iterable[Mapping | Example],
    *,
    weight: float = DEFAULT_STAFF_WEIGHT,
    database_url: str | None = None,
    model_dir: str | Path | None = None,
    corpus_dir: str | Path | None = None,
    organization: Organization | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Retrain with staff-confirmed examples ({text, section, voice_type?, measures?}) merged into the
    corpus with `weight`; the new version is activated only if it is not worse on the held-out slice.

    This is what the routing job calls, with the city's `organization`; `database_url` adds the
    staff-confirmed voices of that database.
    """
    return train(extra_examples=examples, extra_weight=weight, database_url=database_url,
                 model_dir=model_dir, corpus_dir=corpus_dir, promote="auto", organization=organization,
                 log=log or (lambda message: None))


def _merge(corpus_examples: list[Example], extras: list[Example]) -> list[Example]:
    """Corpus + extras; a staff label replaces a corpus example with the same cleaned text."""
    by_text: dict[str, Example] = {}
    for example in corpus_examples + extras:
        by_text[clean_text(example.text)] = example
    return list(by_text.values())


def _decide(version, heldout, candidate_metrics, directory, promote):
    previous = artifacts.active_version(directory)
    if promote == "never":
        return False, f"saved {version}; not activated (--promote never)", previous, None
    if promote == "always" or previous is None:
        artifacts.promote(version, directory)
        return True, f"activated {version}", previous, None
    try:
        active_model, _ = artifacts.load(previous, directory)
    except artifacts.ArtifactError as error:
        artifacts.promote(version, directory)
        return True, f"activated {version}; the active {previous} cannot be loaded ({error})", previous, None
    active_metrics = evaluate_model(active_model, previous, heldout)
    candidate, active = candidate_metrics["section_top1"], active_metrics["section_top1"]
    if candidate >= active:
        artifacts.promote(version, directory)
        return True, (f"activated {version}: held-out 課 top-1 {candidate:.4f} ≥ {active:.4f} "
                      f"of {previous}"), previous, active_metrics
    return False, (f"kept {previous}: candidate {version} held-out 課 top-1 {candidate:.4f} < "
                   f"{active:.4f}"), previous, active_metrics
