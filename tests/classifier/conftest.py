"""Classifier test helpers. The trained model comes from the session fixture `model_dir` (tests/conftest.py):
one model per session, shared by every test. Benchmarks (`@pytest.mark.slow`) are deselected by the
default `-m 'not slow'` of pyproject.toml; `make bench` runs them."""

from __future__ import annotations

import pytest


@pytest.fixture
def configured(model_dir):
    """The session model directory, configured for this test (other tests may configure another)."""
    import classifier

    classifier.configure(model_dir)
    yield model_dir
    classifier.configure(model_dir)
