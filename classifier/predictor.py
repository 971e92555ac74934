"""Prediction with the active model: loaded once per process, reloaded when the active version changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from . import artifacts
from .config import model_dir_path
from .model import Prediction
from .organization import Organization

log = logging.getLogger(__name__)
_lock = threading.RLock()
_loaded: dict[Path, tuple[str, object]] = {}  # model dir → (version, VoiceModel)


def active_version() -> str | None:
    """The active version id in the configured model directory, or None."""
    return artifacts.active_version(model_dir_path())


def ensure_model(training_data: Callable[[], tuple[Iterable, Organization]] | None = None) -> str:
    """The active version id; trains and activates one first when there is none, or when the active
    one was written by code or libraries this process cannot load (after an upgrade).

    `training_data`, called only when a model must be trained, gives the staff-confirmed examples and
    the city's organization to train with beside the corpus (the application passes its database's)."""
    directory = model_dir_path()
    version = active_version()
    if version is not None and (_loaded.get(directory, (None,))[0] == version
                                or artifacts.is_loadable(version, directory)):
        return version
    with _lock:
        version = active_version()
        if version is None or not artifacts.is_loadable(version, directory):
            from .training import train

            if version is not None:
                log.warning("active model %s cannot be loaded by this version; training a new one", version)
            examples, organization = training_data() if training_data else ((), None)
            version = train(extra_examples=examples, organization=organization, promote="always").version
    return version


def predict(text: str) -> Prediction:
    """The prediction for one voice."""
    return predict_many([text])[0]


def predict_many(texts: Sequence[str]) -> list[Prediction]:
    """Predictions for many voices with one model (each text is tokenized once)."""
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"texts must be str, got {type(text).__name__}")
    version, model = _active_model()
    return model.predict(list(texts), version)


def _active_model():
    directory = model_dir_path()
    version = ensure_model()
    cached = _loaded.get(directory)
    if cached and cached[0] == version:
        return cached
    with _lock:
        cached = _loaded.get(directory)
        if not cached or cached[0] != version:
            model, _ = artifacts.load(version, directory)
            _loaded[directory] = cached = (version, model)
    return cached
