"""Classifier test helpers. The trained model comes from the session fixture `model_dir` (tests/conftest.py):
one model per session, shared by every test. Benchmarks (`@pytest.mark.slow`) run only with `-m slow`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    if "slow" in (config.option.markexpr or "") or os.environ.get("MIRAI_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="benchmark: run with `pytest -m slow`")
    for item in items:
        if item.get_closest_marker("slow") and HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture
def configured(model_dir):
    """The session model directory, configured for this test (other tests may configure another)."""
    import classifier

    classifier.configure(model_dir)
    yield model_dir
    classifier.configure(model_dir)
