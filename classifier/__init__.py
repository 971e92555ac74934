"""みらいボイス classifier: Sudachi tokenization, training, versioned models and prediction of 課,
reform measures and voice type. Usable without Flask or a database; imports nothing of ours.

Importing the package is cheap and has no side effects: scikit-learn is imported on first use of a
model function, the Sudachi dictionary on the first tokenization, a model on the first prediction.
"""

from importlib import import_module

from . import labels
from .config import configure, model_dir_path
from .tokenizer import spell_in_kanji, tokenize

# public name → module that defines it (imported on first access)
_LAZY = {
    "predict": "predictor", "predict_many": "predictor", "ensure_model": "predictor",
    "active_version": "predictor", "Prediction": "model",
    "train": "training", "retrain_with_examples": "training", "TrainResult": "training",
    "promote": "artifacts", "rollback": "artifacts", "list_versions": "artifacts",
    "read_metadata": "artifacts", "ArtifactError": "artifacts", "IncompatibleArtifactError": "artifacts",
    "tokenizer_fingerprint": "artifacts",
}

__all__ = [
    "ArtifactError", "IncompatibleArtifactError", "Prediction", "TrainResult", "active_version", "configure",
    "ensure_model", "labels", "list_versions", "model_dir_path", "predict", "predict_many", "promote",
    "read_metadata", "retrain_with_examples", "rollback", "spell_in_kanji", "tokenize", "tokenizer_fingerprint",
    "train",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
