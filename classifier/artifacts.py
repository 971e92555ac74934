"""Versioned model artifacts: joblib + metadata JSON per version, and a registry of the active one.

Layout under the model directory:
    registry.json                        {"active": version | null, "history": [versions, oldest first]}
    versions/<version>/model.joblib
    versions/<version>/metadata.json     format, created_at, hashes, library versions, parameters, metrics

A version is only unpickled when its metadata says it was written in our format, by the same
scikit-learn version and by the same model code (a fingerprint of the modules whose objects are pickled
and of the tokenizer's data), and the file's SHA-256 matches; anything else raises
IncompatibleArtifactError before joblib touches the file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import secrets
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path

from .config import model_dir_path

FORMAT = "mirai-voice-classifier/1"
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
REGISTRY_FILE = "registry.json"
LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib", "sudachipy", "sudachidict_core")
# What a pickled model is made of: the classes it holds and the tokenizer it was fitted with. A model
# written by other versions of these files may unpickle but lack attributes, or read text differently.
_PACKAGE = Path(__file__).resolve().parent
TOKENIZER_FILES = ("tokenizer.py", "kana.py", "data/stopwords.txt", "data/variants.tsv", "data/kana_index.tsv")
CODE_FILES = ("estimators.py", "features.py", "model.py", "pipelines.py", *TOKENIZER_FILES)


class ArtifactError(RuntimeError):
    """A model version that does not exist or cannot be used."""


class IncompatibleArtifactError(ArtifactError):
    """An artifact written by another format or scikit-learn version: retrain instead of loading it."""


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries a pickled model depends on."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 over the files a saved model depends on (see ``CODE_FILES``); read once per process."""
    return _files_digest(CODE_FILES).hexdigest()


@functools.cache
def tokenizer_fingerprint() -> str:
    """SHA-256 over what decides the tokens of a text: the tokenizer's files, SudachiPy and its dictionary.
    Stored search tokens made under another fingerprint are out of date (routing.reindex)."""
    digest = _files_digest(TOKENIZER_FILES)
    versions = library_versions()
    digest.update(f"sudachipy {versions['sudachipy']} sudachidict_core {versions['sudachidict_core']}".encode())
    return digest.hexdigest()


def _files_digest(names: tuple[str, ...]):
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + (_PACKAGE / name).read_bytes() + b"\0")
    return digest


def new_version_id(now: datetime | None = None) -> str:
    """Sortable, unique: UTC time to the second plus 6 random hex digits."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def version_dir(version: str, model_dir: Path | None = None) -> Path:
    if not version or "/" in version or "\\" in version or version.startswith("."):
        raise ArtifactError(f"モデルのバージョン名として使えません: {version!r}")
    return (model_dir or model_dir_path()) / "versions" / version


def save(model, metadata: dict, model_dir: Path | None = None) -> str:
    """Write a new version (model + metadata) and return its id. Does not activate it."""
    import joblib

    version = metadata.get("version") or new_version_id()
    directory = version_dir(version, model_dir)
    directory.mkdir(parents=True, exist_ok=False)
    joblib.dump(model, directory / MODEL_FILE, compress=3)
    full = {
        **metadata,
        "version": version,
        "format": FORMAT,
        "libraries": library_versions(),
        "code_sha256": code_fingerprint(),
        "model_sha256": _sha256(directory / MODEL_FILE),
        "created_at": metadata.get("created_at") or datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _write_json(directory / METADATA_FILE, full)
    return version


def read_metadata(version: str, model_dir: Path | None = None) -> dict:
    """The metadata of a version."""
    path = version_dir(version, model_dir) / METADATA_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"モデルのバージョン {version} は {path.parent.parent} にありません") from None
    except json.JSONDecodeError as error:
        raise IncompatibleArtifactError(f"モデル {version} のメタデータを JSON として読めません: {error}") from None


def check_compatible(metadata: dict) -> None:
    """Raise IncompatibleArtifactError unless this process can safely load the artifact."""
    version = metadata.get("version", "?")
    if metadata.get("format") != FORMAT:
        raise IncompatibleArtifactError(
            f"モデル {version} の保存形式 {metadata.get('format')!r} はこの版の形式 {FORMAT!r} と違います。"
            "`python -m classifier train` で学習し直してください"
        )
    written = (metadata.get("libraries") or {}).get("scikit-learn")
    running = library_versions()["scikit-learn"]
    if written != running:
        raise IncompatibleArtifactError(
            f"モデル {version} は scikit-learn {written} で保存されましたが、この環境は {running} です。"
            "pickle は同じ版の scikit-learn でしか安全に読めないため、`python -m classifier train` で学習し直してください"
        )
    if metadata.get("code_sha256") != code_fingerprint():
        raise IncompatibleArtifactError(
            f"モデル {version} は別の版の分類器コードで保存されました（モデルのクラスかトークナイザーが変わっています）。"
            "`python -m classifier train` で学習し直してください"
        )


def load(version: str, model_dir: Path | None = None):
    """(model, metadata) of a version, after the compatibility and integrity checks."""
    import joblib

    metadata = read_metadata(version, model_dir)
    check_compatible(metadata)
    path = version_dir(version, model_dir) / MODEL_FILE
    if not path.exists():
        raise ArtifactError(f"モデル {version} のモデルファイルがありません")
    if _sha256(path) != metadata.get("model_sha256"):
        raise IncompatibleArtifactError(
            f"モデル {version} のモデルファイルが記録された SHA-256 と一致しません（壊れているか、差し替えられています）")
    return joblib.load(path), metadata


def list_versions(model_dir: Path | None = None) -> list[str]:
    """All saved versions, oldest first."""
    root = (model_dir or model_dir_path()) / "versions"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / METADATA_FILE).exists())


def read_registry(model_dir: Path | None = None) -> dict:
    path = (model_dir or model_dir_path()) / REGISTRY_FILE
    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"active": None, "history": []}
    return {"active": registry.get("active"), "history": list(registry.get("history") or [])}


def is_compatible(metadata: dict) -> bool:
    """Whether this process could load the artifact ``metadata`` describes."""
    try:
        check_compatible(metadata)
    except ArtifactError:
        return False
    return True


def is_loadable(version: str, model_dir: Path | None = None) -> bool:
    """Whether this process could load ``version`` (metadata present and compatible)."""
    try:
        return is_compatible(read_metadata(version, model_dir))
    except ArtifactError:
        return False


def active_version(model_dir: Path | None = None) -> str | None:
    """The active version id, or None when nothing was activated yet."""
    return read_registry(model_dir)["active"]


def promote(version: str, model_dir: Path | None = None) -> str:
    """Make `version` active (after checking that it loads here); returns it."""
    check_compatible(read_metadata(version, model_dir))
    registry = read_registry(model_dir)
    if registry["active"] != version:
        registry["history"].append(version)
    registry["active"] = version
    _write_json((model_dir or model_dir_path()) / REGISTRY_FILE, registry)
    return version


def _rollback_target(history: list[str], model_dir: Path | None) -> list[str]:
    """The history a rollback leaves: the current version dropped, then earlier versions that no longer
    load here (written before an upgrade, or deleted); its last entry, if any, is the target."""
    earlier = history[:-1]
    while earlier and not is_loadable(earlier[-1], model_dir):
        earlier.pop()
    return earlier


def rollback(model_dir: Path | None = None) -> str:
    """Re-activate the latest earlier active version that this installation can still load; returns it.

    Earlier versions that cannot be loaded any more are skipped and leave the history; with none left,
    nothing changes.
    """
    registry = read_registry(model_dir)
    history = _rollback_target(registry["history"], model_dir)
    if not history:
        raise ArtifactError("戻せる以前のモデルがありません（以前に有効だったバージョンで、この環境で読めるものがありません）")
    registry["history"], registry["active"] = history, history[-1]
    _write_json((model_dir or model_dir_path()) / REGISTRY_FILE, registry)
    return registry["active"]


def prune(keep: int, model_dir: Path | None = None) -> list[str]:
    """Delete saved versions beyond the newest ``keep`` (0 keeps all); returns the deleted ids, oldest first.

    The active version and the one a rollback would return to are always kept, whatever their age. What
    was deleted leaves the history too. Each model is some 40 MB, and a retraining saves one.
    """
    if keep <= 0:
        return []
    directory = model_dir or model_dir_path()
    registry = read_registry(directory)
    protected = {registry["active"], *_rollback_target(registry["history"], directory)[-1:]}
    deleted = []
    for version in list_versions(directory)[:-keep]:
        if version not in protected and version != active_version(directory):  # (promoted meanwhile?)
            shutil.rmtree(version_dir(version, directory), ignore_errors=True)
            deleted.append(version)
    if deleted:
        registry = read_registry(directory)  # re-read: a promotion may have happened meanwhile
        registry["history"] = [v for v in registry["history"] if v not in deleted]
        _write_json(directory / REGISTRY_FILE, registry)
    return deleted


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, data: dict) -> None:
    """Atomic write: a reader sees the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
    os.replace(temporary, path)
