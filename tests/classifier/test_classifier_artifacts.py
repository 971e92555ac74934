"""Is every model a versioned, self-describing artifact that can be promoted, rolled back and refused?"""

import json
import shutil

import pytest

import classifier
from classifier import artifacts


def _copy_version(source_dir, version, target_dir, new_version, edit=None):
    """A copy of a saved version under a new id (optionally with edited metadata)."""
    target = target_dir / "versions" / new_version
    shutil.copytree(source_dir / "versions" / version, target)
    metadata = json.loads((target / "metadata.json").read_text(encoding="utf-8"))
    metadata["version"] = new_version
    if edit:
        edit(metadata)
    (target / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    return new_version


def test_metadata_records_what_the_model_is(model_dir):
    """Does the metadata carry hashes, library versions, parameters, metrics and creation time?"""
    metadata = classifier.read_metadata(classifier.ensure_model())
    assert len(metadata["corpus_hash"]) == 64 and len(metadata["training_set_hash"]) == 64
    assert metadata["libraries"]["scikit-learn"] == artifacts.library_versions()["scikit-learn"]
    assert {"sudachipy", "sudachidict_core", "numpy", "scipy", "joblib", "python"} <= set(metadata["libraries"])
    spec = metadata["parameters"]["spec"]
    assert spec["features"] and metadata["parameters"]["random_state"] == 0
    assert metadata["parameters"]["section_estimator"]  # every estimator parameter, pinned
    assert metadata["created_at"].endswith("+00:00")
    assert {"cv", "heldout"} <= set(metadata["metrics"])
    assert metadata["counts"]["corpus"] == metadata["counts"]["train"] + metadata["counts"]["heldout"]
    assert sorted(metadata["labels"]["sections"]) == sorted(classifier.labels.section_names())
    assert metadata["organization"] == {"added": [], "moved": {}, "merged_into": {}, "duties": {}}


def test_artifact_from_another_scikit_learn_is_refused(model_dir, tmp_path):
    """Is a model written by another scikit-learn refused with a clear message, before unpickling?"""
    version = classifier.ensure_model()

    def older_sklearn(metadata):
        metadata["libraries"]["scikit-learn"] = "0.24.2"

    copy = _copy_version(model_dir, version, tmp_path, "old-sklearn", older_sklearn)
    (tmp_path / "versions" / copy / "model.joblib").write_bytes(b"not a pickle: must never be loaded")
    with pytest.raises(classifier.IncompatibleArtifactError, match=r"scikit-learn 0\.24\.2.*学習し直して"):
        artifacts.load(copy, tmp_path)
    with pytest.raises(classifier.IncompatibleArtifactError):
        artifacts.promote(copy, tmp_path)
    assert artifacts.active_version(tmp_path) is None


def test_unknown_format_and_tampered_file_are_refused(model_dir, tmp_path):
    """Are an unknown artifact format and a model file that does not match its SHA-256 refused?"""
    version = classifier.ensure_model()
    unknown = _copy_version(model_dir, version, tmp_path, "unknown-format",
                            lambda metadata: metadata.update(format="something-else/9"))
    with pytest.raises(classifier.IncompatibleArtifactError, match="保存形式"):
        artifacts.load(unknown, tmp_path)
    tampered = _copy_version(model_dir, version, tmp_path, "tampered")
    with open(tmp_path / "versions" / tampered / "model.joblib", "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(classifier.IncompatibleArtifactError, match="SHA-256"):
        artifacts.load(tampered, tmp_path)
    with pytest.raises(classifier.ArtifactError, match="ありません"):
        artifacts.load("no-such-version", tmp_path)


def test_promote_and_rollback_switch_the_model_predictions_use(model_dir, tmp_path):
    """After promote and rollback, do predictions come from the newly active version?"""
    version = classifier.ensure_model()
    first = _copy_version(model_dir, version, tmp_path, "20000101-000000-aaaaaa")
    second = _copy_version(model_dir, version, tmp_path, "20000101-000001-bbbbbb")
    try:
        classifier.configure(tmp_path)
        assert classifier.active_version() is None
        classifier.promote(first)
        assert classifier.predict("道路の穴").model_version == first
        classifier.promote(second)
        assert classifier.active_version() == second
        assert classifier.predict("道路の穴").model_version == second
        assert classifier.rollback() == first
        assert classifier.predict("道路の穴").model_version == first
        with pytest.raises(classifier.ArtifactError, match="戻せる以前のモデル"):
            classifier.rollback()
        assert classifier.list_versions() == [first, second]
    finally:
        classifier.configure(model_dir)


def test_model_dir_defaults(monkeypatch, tmp_path, model_dir):
    """Is the model directory configure() > $MIRAI_MODEL_DIR > <repo>/instance/models?"""
    from classifier.config import REPO_ROOT

    try:
        classifier.configure(None)
        monkeypatch.delenv("MIRAI_MODEL_DIR", raising=False)
        monkeypatch.delenv("MIRAI_INSTANCE_DIR", raising=False)
        assert classifier.model_dir_path() == REPO_ROOT / "instance" / "models"
        # An installation that moved the web app's instance folder finds its models there from the CLI too.
        monkeypatch.setenv("MIRAI_INSTANCE_DIR", str(tmp_path / "srv"))
        assert classifier.model_dir_path() == (tmp_path / "srv" / "models").resolve()
        monkeypatch.setenv("MIRAI_MODEL_DIR", str(tmp_path))
        assert classifier.model_dir_path() == tmp_path.resolve()
        assert classifier.configure(tmp_path / "x") == (tmp_path / "x").resolve()
    finally:
        classifier.configure(model_dir)


def test_artifact_from_other_model_code_is_refused_and_replaced(model_dir, tmp_path, small_training_corpus):
    """A model pickled by an older version of our own classes may unpickle but lack attributes: is it
    refused before loading, and does ensure_model train a usable one instead of crashing predictions?"""
    version = classifier.ensure_model()
    older = _copy_version(model_dir, version, tmp_path, "older-code",
                          lambda metadata: metadata.update(code_sha256="0" * 64))
    (tmp_path / "versions" / older / "model.joblib").write_bytes(b"not a pickle: must never be loaded")
    with pytest.raises(classifier.IncompatibleArtifactError, match="分類器コード"):
        artifacts.load(older, tmp_path)
    assert not artifacts.is_loadable(older, tmp_path)
    # Make it the active version the way an upgrade would find it, then predict.
    (tmp_path / "registry.json").write_text(json.dumps({"active": older, "history": [older]}), encoding="utf-8")
    classifier.configure(tmp_path)
    try:
        prediction = classifier.predict("粗大ごみの収集を申し込みたいのですが、どうすればいいですか。")
        assert prediction.model_version != older
        assert artifacts.active_version(tmp_path) == prediction.model_version
        assert artifacts.is_loadable(prediction.model_version, tmp_path)
    finally:
        classifier.configure(model_dir)


def _registry(directory, active, history):
    (directory / "registry.json").write_text(json.dumps({"active": active, "history": history}), encoding="utf-8")


def _older_code(metadata):
    metadata["code_sha256"] = "0" * 64


def test_rollback_skips_earlier_versions_that_no_longer_load(model_dir, tmp_path):
    """After an upgrade the version before the current one may be unloadable: rolling back to it would
    leave no usable model (and start a training inside the next prediction). Is it skipped instead?"""
    version = classifier.ensure_model()
    usable = _copy_version(model_dir, version, tmp_path, "20000101-000000-aaaaaa")
    stale = _copy_version(model_dir, version, tmp_path, "20000101-000001-bbbbbb", _older_code)
    current = _copy_version(model_dir, version, tmp_path, "20000101-000002-cccccc")
    _registry(tmp_path, current, [usable, "20000101-000009-gone00", stale, current])
    assert artifacts.rollback(tmp_path) == usable
    assert artifacts.read_registry(tmp_path) == {"active": usable, "history": [usable]}

    _registry(tmp_path, current, [stale, current])
    with pytest.raises(classifier.ArtifactError, match="戻せる以前のモデル"):
        artifacts.rollback(tmp_path)
    assert artifacts.read_registry(tmp_path) == {"active": current, "history": [stale, current]}


def test_old_versions_are_pruned_but_never_the_active_one_or_the_rollback_target(model_dir, tmp_path):
    version = classifier.ensure_model()
    ids = [_copy_version(model_dir, version, tmp_path, f"20000101-00000{i}-aaaaaa") for i in range(6)]
    for promoted in (ids[0], ids[1], ids[2]):
        artifacts.promote(promoted, tmp_path)
    artifacts.promote(ids[1], tmp_path)  # history: 0, 1, 2, 1 → a rollback returns to 2
    assert artifacts.prune(0, tmp_path) == []  # 0 keeps everything
    assert artifacts.prune(2, tmp_path) == [ids[0], ids[3]]
    assert artifacts.list_versions(tmp_path) == [ids[1], ids[2], ids[4], ids[5]]
    assert artifacts.read_registry(tmp_path) == {"active": ids[1], "history": [ids[1], ids[2], ids[1]]}
    assert artifacts.rollback(tmp_path) == ids[2]


def test_training_keeps_the_number_of_versions_it_is_told(model_dir, tmp_path, small_training_corpus, monkeypatch):
    version = classifier.ensure_model()
    old = [_copy_version(model_dir, version, tmp_path, f"20000101-00000{i}-aaaaaa") for i in range(3)]
    artifacts.promote(old[0], tmp_path)
    monkeypatch.setenv("MIRAI_MODEL_KEEP", "2")
    messages = []
    result = classifier.train(model_dir=tmp_path, promote="never", log=messages.append)
    # The newest two (old[2] and the new one) and the active old[0] stay.
    assert artifacts.list_versions(tmp_path) == [old[0], old[2], result.version]
    assert any(old[1] in message and "deleted 1" in message for message in messages)

