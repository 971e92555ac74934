"""Does the classifier learn from staff corrections, and refuse to activate a worse model?"""

import shutil
import sqlite3

import classifier
from classifier import artifacts
from classifier.staff import load_staff_examples
from tests.classifier_support import NEW_WORD_VOICES, staff_database


def test_staff_examples_teach_a_new_word(small_corpus, tmp_path):
    """After retraining with staff labels for an unseen word, is a voice about it routed there?"""
    base = classifier.train(corpus_dir=small_corpus, model_dir=tmp_path, promote="always", log=lambda m: None)
    staff = [{"text": text, "section": "商工観光課", "voice_type": "問合せ"} for text in NEW_WORD_VOICES]
    result = classifier.retrain_with_examples(staff, weight=3.0, corpus_dir=small_corpus, model_dir=tmp_path)
    assert result.metadata["counts"]["extra"] == len(NEW_WORD_VOICES)
    assert result.metadata["extra_weight"] == 3.0
    assert result.previous_version == base.version
    candidate, _ = artifacts.load(result.version, tmp_path)
    prediction = candidate.predict(["ミラポンが使えるお店を増やしてほしい"], result.version)[0]
    assert prediction.section == "商工観光課"
    assert "ミラポン" in prediction.explanation
    # promoted exactly when it is not worse than the active model on the same held-out slice
    held_out_top1 = result.metrics["heldout"]["section_top1"]
    assert result.promoted == (held_out_top1 >= result.active_heldout["section_top1"])
    assert artifacts.active_version(tmp_path) == (result.version if result.promoted else base.version)


def test_worse_candidate_is_not_promoted(model_dir, small_corpus, tmp_path):
    """Is a candidate trained on far less data kept inactive when the active model does better?"""
    active = classifier.ensure_model()
    shutil.copytree(model_dir / "versions" / active, tmp_path / "versions" / active)
    artifacts.promote(active, tmp_path)
    result = classifier.train(corpus_dir=small_corpus, model_dir=tmp_path, promote="auto", log=lambda m: None)
    assert not result.promoted
    assert result.metrics["heldout"]["section_top1"] < result.active_heldout["section_top1"]
    assert artifacts.active_version(tmp_path) == active
    assert result.version in artifacts.list_versions(tmp_path)  # saved, ready to promote by hand


def test_staff_labels_are_read_from_the_database(small_corpus, tmp_path):
    """Are only section-confirmed voices read, with plain SQL, by the label the model knows each 課 by?"""
    sections = [(1, "観光課", "商工観光課", "市民経済部", 1, None),  # renamed at a 機構改革: its label stays
                (2, "建設課", "建設課", "都市建設部", 1, None)]
    rows = [(text, 1, "問合せ", 1) for text in NEW_WORD_VOICES]
    rows += [("道路の白線が消えている", 2, "不明な種別", 1), ("未確認の声", 2, "苦情", 0), ("   ", 2, "意見", 1)]
    url = staff_database(tmp_path / "voices.db", sections, rows)
    with sqlite3.connect(tmp_path / "voices.db") as db:
        # staff confirmed M5-2 and M4-3 on the first voice; the model's own guess on the second is no label
        db.executemany("INSERT INTO voice_measures VALUES (?,?,?)",
                       [(1, "M5-2", "staff"), (1, "M4-3", "staff"), (2, "M1-1", "model")])
    examples, skipped, organization = load_staff_examples(url, weight=2.5)
    assert skipped == 1  # the blank voice
    assert {e.section for e in examples} == {"商工観光課", "建設課"} and len(examples) == 11
    assert all(e.weight == 2.5 and e.source == "database" for e in examples)
    assert [e.measures for e in examples if e.has_measures] == [("M4-3", "M5-2")]
    assert examples[0].text == NEW_WORD_VOICES[0] and examples[0].has_measures
    assert [e.voice_type for e in examples if e.section == "建設課"] == [None]
    assert organization.describe() == {"added": [], "moved": {}, "merged_into": {}, "duties": {}}
    result = classifier.train(database_url=url, corpus_dir=small_corpus, model_dir=tmp_path, promote="always",
                              log=lambda m: None)
    assert result.metadata["counts"]["extra"] == 11 and result.metadata["counts"]["extra_skipped"] == 1
    model, _ = artifacts.load(result.version, tmp_path)
    assert model.predict(["ミラポンの使い方"], result.version)[0].section == "商工観光課"
