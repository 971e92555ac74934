"""The labelled corpus: loading `data/corpus/*.jsonl`, validation, the fixed test split, hashing.

The test split is fixed by content, not by position: an example is in the test split when the first
8 hex digits of SHA-1(clean_text(text)) modulo 100 fall below TEST_PERCENT. The same text therefore
always lands on the same side, whoever adds files and in whatever order, and staff-labelled examples
follow the same rule. Nothing is tuned on the test split.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import labels
from .config import SHIPPED_CORPUS_DIR, corpus_dir_path
from .tokenizer import clean_text

CORPUS_DIR = SHIPPED_CORPUS_DIR  # the shipped synthetic corpus (training follows config.corpus_dir_path())
LEXICON_PATH = Path(__file__).resolve().parent / "data" / "lexicon.tsv"
MEASURE_CUES_PATH = Path(__file__).resolve().parent / "data" / "measure_cues.tsv"
TEST_PERCENT = 20


class CorpusError(ValueError):
    """A corpus line that cannot be used, with its location."""


@dataclass(frozen=True)
class Example:
    """One labelled voice. `weight` > 1 makes staff-confirmed labels count more in training."""

    text: str
    section: str
    voice_type: str | None = None
    measures: tuple[str, ...] = ()
    alt_sections: tuple[str, ...] = ()
    weight: float = 1.0
    source: str = "corpus"
    has_measures: bool = field(default=True, compare=False)

    @property
    def in_test_split(self) -> bool:
        """Is this example in the fixed 20% test split?"""
        return is_test_text(self.text)


def is_test_text(text: str) -> bool:
    """The split rule: SHA-1 of the cleaned text, first 8 hex digits mod 100 < TEST_PERCENT."""
    digest = hashlib.sha1(clean_text(text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < TEST_PERCENT


def example_from_record(
    record: dict, *, where: str, source: str = "corpus", weight: float = 1.0, strict: bool = True,
    is_section: Callable[[str], bool] = labels.is_section,
) -> Example:
    """Validate one JSON record (text, section, voice_type, measures, alt_sections) into an Example.

    `where` locates the record in error messages; `source` says where examples come from ("corpus",
    "staff", "database"). With strict=False an unknown voice_type is dropped instead of rejected.
    `is_section` says which 課 labels exist (the reference 27; staff labels may also name the city's own).
    """
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: text（本文）が空か、文字列ではありません")
    section = record.get("section")
    if not isinstance(section, str) or not section.strip():
        raise CorpusError(f"{where}: section（担当課）がありません")
    if not is_section(section):
        raise CorpusError(f"{where}: section（担当課）「{section}」はこの組織にない課です")
    voice_type = record.get("voice_type")
    if voice_type is not None and voice_type not in labels.VOICE_TYPES:
        if strict:
            raise CorpusError(f"{where}: voice_type（種別）「{voice_type}」は {'・'.join(labels.VOICE_TYPES)} のどれでもありません")
        voice_type = None
    has_measures = "measures" in record and record["measures"] is not None
    measures = tuple(record.get("measures") or ())
    unknown = [code for code in measures if code not in labels.measure_codes()]
    if unknown:
        raise CorpusError(f"{where}: measures に改革方策にないコードがあります: {'、'.join(map(str, unknown))}")
    alt = tuple(a for a in (record.get("alt_sections") or ()) if a != section)
    bad_alt = [a for a in alt if not is_section(a)]
    if bad_alt:
        raise CorpusError(f"{where}: alt_sections にこの組織にない課があります: {'、'.join(map(str, bad_alt))}")
    return Example(text, section, voice_type, measures, alt, weight, source, has_measures)


def read_jsonl(path: str | Path, *, strict: bool = True) -> list[Example]:
    """Examples of one JSONL file; lines starting with '#' and blank lines are skipped."""
    path = Path(path)
    examples = []
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            where = f"{path.name}:{number}"
            try:
                record = json.loads(stripped)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{where}: JSON として解釈できません（{error.msg}）") from None
            if not isinstance(record, dict):
                raise CorpusError(f"{where}: JSON オブジェクト（{{\"text\": …, \"section\": …}}）ではありません")
            examples.append(example_from_record(record, where=where, strict=strict))
    return examples


def load_corpus(corpus_dir: str | Path | None = None) -> list[Example]:
    """All examples of `corpus_dir` (default: `config.corpus_dir_path()`, the shipped corpus unless
    $MIRAI_CORPUS_DIR names another), files in name order."""
    directory = Path(corpus_dir) if corpus_dir is not None else corpus_dir_path()
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"{directory} に *.jsonl ファイルがありません")
    return [example for path in files for example in read_jsonl(path)]


def load_lexicon(path: str | Path | None = None, *, weight: float = 1.0) -> list[Example]:
    """The routing lexicon (`data/lexicon.tsv`: 課 and term per line) as one-term examples of their 課.

    They train the 課 model only (no voice type, no measures) and are never part of the test split."""
    pairs = _read_labelled_lines(Path(path) if path is not None else LEXICON_PATH, "section", labels.is_section,
                                 "この組織の課")
    return [Example(term, section, weight=weight, source="lexicon", has_measures=False) for section, term in pairs]


def load_measure_cues(path: str | Path | None = None) -> list[tuple[str, str]]:
    """The measure cue phrases (`data/measure_cues.tsv`: code and phrase per line) as (phrase, code).

    They train the measures model only and are never part of the test split."""
    codes = set(labels.measure_codes())
    pairs = _read_labelled_lines(Path(path) if path is not None else MEASURE_CUES_PATH, "measure",
                                 codes.__contains__, "改革方策のコード")
    return [(phrase, code) for code, phrase in pairs]


def _read_labelled_lines(path: Path, header: str, is_label, what: str) -> list[tuple[str, str]]:
    """(label, text) of a `label<TAB>text` file; '#' comments, blank lines and the header row (whose
    first column is `header`) skipped."""
    pairs = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith(("#", header + "\t")):
                continue
            label, _, text = line.rstrip("\n").partition("\t")
            if not is_label(label) or not text.strip():
                raise CorpusError(f"{path.name}:{number}: 「{what}、タブ、テキスト」の形ではありません")
            pairs.append((label, text.strip()))
    return pairs


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(train, test) by the fixed hash rule."""
    train, test = [], []
    for example in examples:
        (test if example.in_test_split else train).append(example)
    return train, test


def dataset_hash(examples: Iterable[Example]) -> str:
    """SHA-256 over the examples' labelled content, in order: the training-set identity."""
    return _rows_hash([e.text, e.section, e.voice_type, list(e.measures), e.weight] for e in examples)


def text_pairs_hash(pairs: Iterable[tuple[str, str]]) -> str:
    """SHA-256 over (text, label) pairs in order, e.g. the measure cue phrases."""
    return _rows_hash([text, label] for text, label in pairs)


def _rows_hash(rows: Iterable[list]) -> str:
    """SHA-256 over JSON rows, one per line."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
