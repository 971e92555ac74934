"""Screen new corpus files for near copies before they are labelled.

    .venv/bin/python scripts/near_copies.py NEW.jsonl [NEW2.jsonl ...] [--threshold 0.5]

For every voice of the given JSONL files: the highest Jaccard similarity of its character 4-grams
(`classifier.overlap`) to any voice of the shipped corpus (without its files of the same names), and
to any other voice of the given files. Prints the maxima and every voice at or above the threshold as
file:line with its similarity, never the texts. Exits 1 when a voice is at or above the threshold, so
a batch is only labelled once the near copies are rewritten or dropped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.corpus import CORPUS_DIR, read_jsonl
from classifier.overlap import max_similarity


def new_voices(paths: list[Path]) -> list[tuple[str, int, str]]:
    """(file name, line number, text) of every voice line of the given files."""
    voices = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.startswith("#"):
                voices.append((path.name, number, json.loads(line)["text"]))
    return voices


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    given = {path.name for path in args.files}  # a corpus file of the same name is the one being screened
    corpus = [e.text for path in sorted(CORPUS_DIR.glob("*.jsonl")) if path.name not in given
              for e in read_jsonl(path)]
    voices = new_voices(args.files)
    texts = [text for _, _, text in voices]
    to_corpus, _ = max_similarity(texts, corpus)
    to_batch, partner = max_similarity(texts, texts, exclude_self=True)
    print(f"voices {len(voices)}; corpus {len(corpus)}")
    print(f"highest similarity to the corpus {to_corpus.max(initial=0):.3f}, within the new files "
          f"{to_batch.max(initial=0):.3f}")
    flagged = 0
    for i, (name, number, _) in enumerate(voices):
        if to_corpus[i] >= args.threshold:
            flagged += 1
            print(f"  {name}:{number}  {to_corpus[i]:.3f} to a corpus voice")
        if to_batch[i] >= args.threshold and partner[i] > i:  # each pair once
            flagged += 1
            other = voices[partner[i]]
            print(f"  {name}:{number}  {to_batch[i]:.3f} to {other[0]}:{other[1]}")
    print(f"at or above {args.threshold}: {flagged}")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
