"""Benchmark (not part of `make test`): do 100,000 rows import, classify and route in under 2 minutes
on PostgreSQL? Runs scripts/bench_import.py; its figures are recorded in docs/benchmarks.md."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.postgres
def test_100000_rows_import_classify_and_route_in_under_two_minutes(model_dir):
    rows = int(os.environ.get("MIRAI_BENCH_IMPORT_ROWS", "100000"))
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "bench_import.py"), "--rows", str(rows)],
        cwd=REPO, env={**os.environ, "MIRAI_MODEL_DIR": str(model_dir)}, capture_output=True, text=True,
        timeout=1800, check=False,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stderr[-3000:]
    seconds = float(re.search(r"check \+ import: ([0-9.]+) s", result.stdout).group(1))
    assert seconds < 120 * rows / 100_000, result.stdout
