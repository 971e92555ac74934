"""Benchmarks (run with `pytest -m slow`): is full prediction cheap next to tokenization?"""

import pytest

from classifier.bench import run_bench


@pytest.mark.slow
def test_prediction_throughput_and_latency(configured):
    """Is full prediction ≥ 70% of tokenization throughput, and single-voice p99 under 20 ms?"""
    result = run_bench(n=400, repeats=3, latency_samples=300)
    assert result["predict_vs_tokenize"] >= 0.70
    assert result["latency_ms"]["p99"] < 20.0
