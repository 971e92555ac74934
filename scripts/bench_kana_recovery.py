"""Cost of recovering nouns spelt in kana: tokenization of the bench texts with and without it.

    .venv/bin/python scripts/bench_kana_recovery.py [--rounds 10]

Both variants run interleaved over the same 1,000 synthesized texts (classifier.bench); the best round
of each is kept, so both see the same load on a shared machine.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from classifier.bench import _interleaved_best, synthesize_texts
from classifier.tokenizer import DEFAULT, tokenize_with


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("-n", type=int, default=1000)
    args = parser.parse_args()
    texts = synthesize_texts(args.n)
    variants = {"with kana recovery": DEFAULT, "without": replace(DEFAULT, kana_recovery=False)}
    for settings in variants.values():
        for text in texts[:50]:
            tokenize_with(text, settings)
    seconds = _interleaved_best(args.rounds, *[
        (lambda settings=settings: [tokenize_with(text, settings) for text in texts]) for settings in variants.values()])
    best = dict(zip(variants, seconds))
    chars = sum(map(len, texts))
    for name, seconds in best.items():
        print(f"{name:20s}{chars / seconds:12,.0f} chars/s{seconds:8.3f} s")
    print(f"cost of the recovery: {(best['with kana recovery'] / best['without'] - 1) * 100:.1f}% of tokenization time")


if __name__ == "__main__":
    main()
