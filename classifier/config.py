"""Where model artifacts live (set once with `configure()`; otherwise from the environment), which
labelled corpus training starts from, and how many processes training may use."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
MODEL_DIR_ENV = "MIRAI_MODEL_DIR"
TRAIN_JOBS_ENV = "MIRAI_TRAIN_JOBS"
CORPUS_DIR_ENV = "MIRAI_CORPUS_DIR"
INSTANCE_DIR_ENV = "MIRAI_INSTANCE_DIR"
MODEL_KEEP_ENV = "MIRAI_MODEL_KEEP"
DEFAULT_MODEL_KEEP = 10
SHIPPED_CORPUS_DIR = PACKAGE_DIR / "data" / "corpus"

_model_dir: Path | None = None


class ConfigError(ValueError):
    """An environment variable of the classifier's that holds an unusable value."""


def configure(model_dir: str | os.PathLike[str] | None = None) -> Path:
    """Set the model directory (None resets to the default) and return the directory in effect."""
    global _model_dir
    _model_dir = Path(model_dir).expanduser().resolve() if model_dir is not None else None
    return model_dir_path()


def model_dir_path() -> Path:
    """The configured model directory: configure() > $MIRAI_MODEL_DIR > $MIRAI_INSTANCE_DIR/models (the web
    app's default too) > <repo root>/instance/models."""
    if _model_dir is not None:
        return _model_dir
    for name, below in ((MODEL_DIR_ENV, ""), (INSTANCE_DIR_ENV, "models")):
        from_env = os.environ.get(name, "").strip()
        if from_env:
            return (Path(from_env).expanduser() / below).resolve()
    return REPO_ROOT / "instance" / "models"


def corpus_dir_path() -> Path:
    """The labelled corpus training starts from: $MIRAI_CORPUS_DIR (a directory of *.jsonl files in the
    corpus format), else the shipped synthetic corpus."""
    from_env = os.environ.get(CORPUS_DIR_ENV, "").strip()
    return Path(from_env).expanduser().resolve() if from_env else SHIPPED_CORPUS_DIR


def _int_env(name: str) -> int | None:
    """The whole number in $``name``, or None when it is unset or empty; ConfigError for anything else."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} は整数で指定してください（{value!r} は使えません）") from None


def model_keep() -> int:
    """How many saved versions training keeps (the active one and the rollback target besides):
    $MIRAI_MODEL_KEEP, else 10; 0 keeps every version."""
    keep = _int_env(MODEL_KEEP_ENV)
    if keep is not None and keep < 0:
        raise ConfigError(f"{MODEL_KEEP_ENV} は 0 以上の整数で指定してください（{keep} は使えません）")
    return DEFAULT_MODEL_KEEP if keep is None else keep


def training_jobs() -> int:
    """Worker processes for training's cross-validation fits: $MIRAI_TRAIN_JOBS, else one per CPU, at most 2.

    The result of training does not depend on it (see `estimators`); only its time and memory do."""
    jobs = _int_env(TRAIN_JOBS_ENV)
    return max(1, jobs) if jobs is not None else max(1, min(2, os.cpu_count() or 1))
