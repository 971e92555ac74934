"""The shipped corpus meets the issue's requirements: synthetic header, size per 課, valid labels,
spread over channels and types, and a test split that holds no copy of a train voice."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from classifier import labels
from classifier.corpus import CORPUS_DIR, load_corpus, split
from classifier.overlap import max_similarity
from classifier.tokenizer import clean_text

GUIDE = CORPUS_DIR.parent / "MEASURES.md"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def records():
    rows = []
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                rows.append(json.loads(line))
    return rows


def test_every_file_says_it_is_synthetic():
    """Does every corpus file open with a comment header that says it is synthetic?"""
    files = sorted(CORPUS_DIR.glob("*.jsonl"))
    assert files
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("#") and "SYNTHETIC" in first, path.name


def test_size_per_section_and_in_total(corpus):
    """At least 80 voices for each of the 27 課 and at least 2,200 in all."""
    per_section = Counter(e.section for e in corpus)
    assert set(per_section) == set(labels.section_names())
    assert min(per_section.values()) >= 80
    assert len(corpus) >= 2200


def test_labels_are_complete_and_in_the_label_space(records):
    """Every voice has a type of the six, 0–2 distinct measure codes and a known channel."""
    codes = set(labels.measure_codes())
    for row in records:
        assert row["voice_type"] in labels.VOICE_TYPES
        assert isinstance(row["measures"], list) and len(row["measures"]) <= 2
        assert len(set(row["measures"])) == len(row["measures"]) and set(row["measures"]) <= codes
        assert row["channel"] in {"web", "counter", "phone", "meeting", "letter", "email"}


def test_spread_over_channels_types_lengths_and_measures(records):
    """Every channel, type and measure is used; operational voices (no measure) are a large share."""
    channels = Counter(row["channel"] for row in records)
    types = Counter(row["voice_type"] for row in records)
    measures = Counter(code for row in records for code in row["measures"])
    lengths = sorted(len(row["text"]) for row in records)
    assert all(channels[c] >= 100 for c in ("web", "counter", "phone", "meeting", "letter"))
    assert all(types[t] >= 50 for t in labels.VOICE_TYPES)
    assert set(measures) == set(labels.measure_codes())
    assert 0.3 < sum(1 for row in records if not row["measures"]) / len(records) < 0.8
    assert lengths[len(lengths) // 10] < 40 and lengths[-len(lengths) // 20] > 250  # one-liners to letters


def test_no_duplicate_voice_and_no_test_voice_in_train(corpus):
    """Texts are unique after cleaning, so no test voice has a copy on the train side."""
    cleaned = Counter(clean_text(e.text) for e in corpus)
    assert [text for text, n in cleaned.items() if n > 1] == []
    train, test = split(corpus)
    assert 0.17 < len(test) / len(corpus) < 0.23
    assert not {clean_text(e.text) for e in test} & {clean_text(e.text) for e in train}


def test_no_test_voice_has_a_near_copy_in_train(corpus):
    """No test voice shares most of its character 4-grams with a train voice (Jaccard < 0.6), so the
    test split measures voices the model has not seen in another spelling."""
    train, test = split(corpus)
    best, _ = max_similarity([e.text for e in test], [e.text for e in train])
    assert 0.0 < best.max() < 0.6


def test_the_labelling_guide_covers_every_measure():
    """MEASURES.md has one cue row for each of the 21 codes."""
    rows = re.findall(r"^\| (M[1-7]-[1-3]) \|", GUIDE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert sorted(rows) == sorted(labels.measure_codes())


def test_corpus_measures_are_the_adjudicated_labels_of_the_annotation_record():
    """scripts/annotation_agreement.py finds every voice's measures equal to the record's final label."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "annotation_agreement.py"
    run = subprocess.run([sys.executable, str(script)], check=False, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "corpus labels == final labels of the records" in run.stdout
    agreement = float(next(line for line in run.stdout.splitlines() if "pass 1 vs pass 2" in line).split()[-1])
    assert 0.0 < agreement <= 1.0


def test_the_lexicon_covers_every_section_and_gives_each_term_one_section():
    """lexicon.tsv: a hand-written header, at least 60 terms per 課, and no term under two 課."""
    import unicodedata

    from classifier.corpus import LEXICON_PATH, load_lexicon

    assert "hand-written" in LEXICON_PATH.read_text(encoding="utf-8").splitlines()[0]
    lexicon = load_lexicon()
    per_section = Counter(e.section for e in lexicon)
    assert set(per_section) == set(labels.section_names()) and min(per_section.values()) >= 60
    owners: dict[str, set[str]] = {}
    for e in lexicon:
        owners.setdefault(unicodedata.normalize("NFKC", e.text), set()).add(e.section)
    assert [term for term, sections in owners.items() if len(sections) > 1] == []
    assert all(e.source == "lexicon" and not e.has_measures and e.voice_type is None for e in lexicon)


def test_the_measure_cues_cover_every_measure_and_give_each_phrase_one_code():
    """measure_cues.tsv: a hand-written header, at least 40 phrases per measure, none under two codes."""
    from classifier.corpus import MEASURE_CUES_PATH, load_measure_cues

    assert "hand-written" in MEASURE_CUES_PATH.read_text(encoding="utf-8").splitlines()[0]
    cues = load_measure_cues()
    per_code = Counter(code for _, code in cues)
    assert set(per_code) == set(labels.measure_codes()) and min(per_code.values()) >= 40
    owners: dict[str, set[str]] = {}
    for phrase, code in cues:
        owners.setdefault(phrase, set()).add(code)
    assert [phrase for phrase, codes in owners.items() if len(codes) > 1] == []
