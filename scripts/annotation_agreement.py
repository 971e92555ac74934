"""Agreement between the independent annotations of the corpus, and a check that the corpus holds
the adjudicated labels.

    .venv/bin/python scripts/annotation_agreement.py

Measures (classifier/data/annotation/measures.tsv; per voice pass1, pass2, final): the micro-F1 of
one pass against the other, agreement on "has any measure", how many voices needed an adjudicator
and whose answer was kept. 課 (annotation/sections.tsv; per voice the writer's 課, an independent
reader's 課 and alternatives, final and alt): how often the reader chose the writer's 課 or 部, and
what the adjudicator decided. Exits 1 when the corpus differs from the records' final labels.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.corpus import CORPUS_DIR, Example, read_jsonl
from classifier.evaluation import measures_micro_f1
from classifier.labels import bu_of

DATA = CORPUS_DIR.parent


def codes(cell: str) -> frozenset[str]:
    return frozenset() if cell == "-" else frozenset(cell.split(","))


def batch_of(file_name: str) -> str:
    """The batch a corpus file belongs to: `<課>.jsonl` is batch 1, `<課>_N.jsonl` batch N."""
    stem = file_name.removesuffix(".jsonl")
    suffix = stem.rsplit("_", 1)[-1]
    return suffix if suffix.isdigit() else "1"


def by_batch(rows: list[dict], agree) -> str:
    """`agree(row)` as a share per batch, e.g. "1: 0.975 (2834) · 2: …"."""
    groups: dict[str, list[bool]] = {}
    for row in rows:
        groups.setdefault(batch_of(row["file"]), []).append(bool(agree(row)))
    return " · ".join(f"{b}: {sum(v) / len(v):.3f} ({len(v)})" for b, v in sorted(groups.items()))


def read_record(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return list(csv.DictReader(lines, delimiter="\t"))


def corpus_voices() -> dict[tuple[str, int], Example]:
    """The corpus by (file name, position among the file's voices), as the records address it."""
    return {(path.name, i): example for path in sorted(CORPUS_DIR.glob("*.jsonl"))
            for i, example in enumerate(read_jsonl(path))}


def measures_report(corpus: dict[tuple[str, int], Example]) -> list[tuple[str, str]]:
    rows = read_record(DATA / "annotation" / "measures.tsv")
    first = [codes(r["pass1"]) for r in rows]
    second = [codes(r["pass2"]) for r in rows]
    final = [codes(r["final"]) for r in rows]
    disputed = [i for i in range(len(rows)) if first[i] != second[i]]
    kept = Counter("pass 1" if final[i] == first[i] else "pass 2" if final[i] == second[i] else "neither"
                   for i in disputed)
    print(f"voices                          {len(rows)}")
    print(f"pass 1 vs pass 2, micro-F1      {measures_micro_f1(first, second):.3f}")
    print(f"agree on 'has a measure'        {sum(bool(a) == bool(b) for a, b in zip(first, second)) / len(rows):.3f}")
    print(f"identical label sets            {1 - len(disputed) / len(rows):.3f}")
    print(f"  by batch                      {by_batch(rows, lambda r: codes(r['pass1']) == codes(r['pass2']))}")
    print(f"adjudicated                     {len(disputed)} ({', '.join(f'{k}: {v}' for k, v in sorted(kept.items()))})")
    for name, labels in (("pass 1", first), ("pass 2", second)):
        print(f"{name} vs final, micro-F1        {measures_micro_f1(final, labels):.3f}")
    print(f"voices with a measure (final)   {sum(bool(f) for f in final) / len(rows):.3f}")

    return [(r["file"], r["index"]) for r, f in zip(rows, final)
            if (voice := corpus.get((r["file"], int(r["index"])))) is None or frozenset(voice.measures) != f]


def sections_report(corpus: dict[tuple[str, int], Example]) -> list[tuple[str, str]]:
    rows = read_record(DATA / "annotation" / "sections.tsv")
    alt = [set() if r["annotator_alt"] == "-" else set(r["annotator_alt"].split(",")) for r in rows]
    disputed = [r for r in rows if r["writer"] != r["annotator"]]
    kept = Counter("writer" if r["final"] == r["writer"] else "reader" if r["final"] == r["annotator"] else "neither"
                   for r in disputed)
    n = len(rows)
    print(f"課: reader == writer             {sum(r['writer'] == r['annotator'] for r in rows) / n:.3f}")
    print(f"  by batch                      {by_batch(rows, lambda r: r['writer'] == r['annotator'])}")
    print(f"課: writer in reader's 課 or alt  {sum(r['writer'] == r['annotator'] or r['writer'] in a for r, a in zip(rows, alt)) / n:.3f}")
    print(f"部: reader == writer             {sum(bu_of(r['writer']) == bu_of(r['annotator']) for r in rows) / n:.3f}")
    print(f"課: adjudicated                  {len(disputed)} ({', '.join(f'{k}: {v}' for k, v in sorted(kept.items()))})")
    print(f"課: voices with alt_sections     {sum(r['alt'] != '-' for r in rows)}")
    mismatched = []
    for r in rows:
        voice = corpus.get((r["file"], int(r["index"])))
        want_alt = () if r["alt"] == "-" else tuple(r["alt"].split(","))
        if voice is None or voice.section != r["final"] or voice.alt_sections != want_alt:
            mismatched.append((r["file"], r["index"]))
    return mismatched


def main() -> int:
    corpus = corpus_voices()
    problems = measures_report(corpus) + sections_report(corpus)
    if problems:
        print(f"corpus differs from the records: {len(problems)} voices, e.g. {problems[:3]}", file=sys.stderr)
        return 1
    print("corpus labels == final labels of the records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
