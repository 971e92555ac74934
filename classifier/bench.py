"""Throughput of tokenization alone and of full prediction on the same synthesized texts."""

from __future__ import annotations

import random
import re
import statistics
import time

from .corpus import load_corpus
from .tokenizer import tokenize

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?\n]?")


def synthesize_texts(n: int, seed: int = 0) -> list[str]:
    """`n` voices of realistic lengths: corpus sentences shuffled together up to a length drawn from a
    log-normal (median ≈ 150 characters, 5–95% ≈ 40–600), like web forms, memos and letters."""
    sentences = [s for e in load_corpus() for s in _SENTENCE.findall(e.text) if s.strip()]
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        target = min(3000, max(15, int(rng.lognormvariate(5.0, 0.8))))
        parts, length = [], 0
        while length < target:
            sentence = rng.choice(sentences)
            parts.append(sentence)
            length += len(sentence)
        texts.append("".join(parts))
    return texts


def _interleaved_best(repeats: int, *runs) -> list[float]:
    """Best time of each run over `repeats` rounds, alternating the runs so that both see the same
    machine (other processes come and go on a shared 2-core box)."""
    best = [float("inf")] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            started = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - started)
    return best


def run_bench(n: int = 1000, repeats: int = 5, latency_samples: int = 500, seed: int = 0) -> dict:
    """Tokenize-only vs predict_many throughput (best of `repeats`) and single-voice latency."""
    from .predictor import ensure_model, predict, predict_many

    ensure_model()
    texts = synthesize_texts(n, seed)
    chars = sum(len(t) for t in texts)
    predict_many(texts[:20])  # load the dictionary and the model outside the timings
    tokenize_seconds, predict_seconds = _interleaved_best(
        repeats, lambda: [tokenize(t) for t in texts], lambda: predict_many(texts)
    )
    latencies = []
    for text in texts[:latency_samples]:
        started = time.perf_counter()
        predict(text)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {
        "texts": n,
        "characters": chars,
        "mean_chars": round(chars / n, 1),
        "tokenize": {"seconds": tokenize_seconds, "chars_per_s": chars / tokenize_seconds,
                     "texts_per_s": n / tokenize_seconds},
        "predict": {"seconds": predict_seconds, "chars_per_s": chars / predict_seconds,
                    "texts_per_s": n / predict_seconds},
        "predict_vs_tokenize": tokenize_seconds / predict_seconds,
        "latency_ms": {"p50": statistics.median(latencies),
                       "p99": latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))],
                       "max": latencies[-1], "samples": len(latencies)},
    }


def format_bench(result: dict) -> str:
    """A side-by-side table for the CLI."""
    tok, pred = result["tokenize"], result["predict"]
    lat = result["latency_ms"]
    return "\n".join([
        f"{result['texts']} synthesized texts, {result['characters']} characters (mean {result['mean_chars']})",
        f"{'':22s}{'chars/s':>12s}{'texts/s':>10s}{'seconds':>9s}",
        f"{'tokenization only':22s}{tok['chars_per_s']:12,.0f}{tok['texts_per_s']:10,.0f}{tok['seconds']:9.3f}",
        f"{'full prediction':22s}{pred['chars_per_s']:12,.0f}{pred['texts_per_s']:10,.0f}{pred['seconds']:9.3f}",
        f"full prediction / tokenization throughput: {result['predict_vs_tokenize']:.1%}",
        (f"single-voice latency: p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms, max {lat['max']:.2f} ms "
         f"({lat['samples']} calls of predict())"),
    ])
