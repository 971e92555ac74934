"""The routing lexicon and the measure cue phrases train beside the corpus, without entering any
held-out set."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from classifier.corpus import load_corpus, load_lexicon, load_measure_cues
from classifier.estimators import MultiLabelPlatt, TemperatureScaled


def test_background_rows_train_every_fold_but_are_never_held_out():
    """Out-of-fold decisions exist for the real rows only; a feature seen only in the background
    still decides the final model's prediction."""
    rng = np.random.RandomState(0)
    y = np.array(["a", "b"] * 20)
    X = sp.csr_matrix(np.column_stack([(y == "a") + rng.rand(40) * 0.1, (y == "b") + rng.rand(40) * 0.1,
                                       np.zeros(40)]))
    background = (sp.csr_matrix(np.array([[0.0, 0.0, 1.0]] * 3)), np.array(["b"] * 3), np.ones(3))
    model = TemperatureScaled(LinearSVC(random_state=0), cv=5).fit(X, y, background=background)
    assert model.oof_decision_.shape == (40, 2)
    assert model.predict(sp.csr_matrix([[0.0, 0.0, 1.0]]))[0] == "b"
    without = TemperatureScaled(LinearSVC(random_state=0), cv=5).fit(X, y)
    assert model.coef_[1, 2] > without.coef_[1, 2]


def test_background_labels_train_a_multilabel_model_but_are_never_held_out():
    """MultiLabelPlatt: out-of-fold probabilities for the real rows only; a cue-only feature raises its
    label's probability in the final model."""
    rng = np.random.RandomState(0)
    Y = np.array([[1, 0], [0, 1]] * 20)
    X = sp.csr_matrix(np.column_stack([Y[:, 0] + rng.rand(40) * 0.1, Y[:, 1] + rng.rand(40) * 0.1, np.zeros(40)]))
    background = (sp.csr_matrix(np.array([[0.0, 0.0, 1.0]] * 3)), np.array([[1, 0]] * 3), np.ones(3))
    model = MultiLabelPlatt(C=0.5, cv=5).fit(X, Y, background=background)
    assert model.oof_proba_.shape == (40, 2)
    probability = model.predict_proba(sp.csr_matrix([[0.0, 0.0, 1.0]]))[0]
    assert probability[0] > probability[1]


def test_terms_known_only_from_the_lexicon_route_to_their_section(configured):
    """Lexicon terms none of whose tokens occur in the corpus still route a short voice to their 課."""
    import classifier

    seen = {token for example in load_corpus() for token in classifier.tokenize(example.text)}
    unseen = [e for e in load_lexicon() if (tokens := classifier.tokenize(e.text)) and not set(tokens) & seen]
    assert len(unseen) >= 20
    predictions = classifier.predict_many([f"{e.text}について教えてください" for e in unseen])
    routed = np.mean([p.section == e.section for p, e in zip(predictions, unseen)])
    assert routed >= 0.9


def test_a_version_records_the_lexicon_and_the_measure_cues(configured):
    """The metadata counts the lexicon terms and cue phrases, hashes them and pins their weights."""
    import classifier

    metadata = classifier.read_metadata(classifier.active_version())
    assert metadata["counts"]["lexicon_terms"] == len(load_lexicon())
    assert metadata["counts"]["measure_cues"] == len(load_measure_cues())
    assert len(metadata["lexicon_hash"]) == 64 and len(metadata["measure_cues_hash"]) == 64
    assert metadata["parameters"]["spec"]["lexicon_weight"] == 1.0
    assert metadata["parameters"]["spec"]["cue_weight"] == 1.0


@pytest.mark.filterwarnings("ignore:The least populated class")  # the voice types of a 60-voice slice
def test_a_corpus_with_fewer_sections_uses_only_their_lexicon_terms():
    """Training on voices of two 課 ignores the other 課' lexicon terms instead of failing."""
    from classifier.features import analyze_texts
    from classifier.pipelines import CHOSEN, fit_voice_model

    corpus = load_corpus()
    examples = [e for e in corpus if e.section == "税務課"][:30] + [e for e in corpus if e.section == "建設課"][:30]
    model, metrics = fit_voice_model(analyze_texts([e.text for e in examples]), examples, CHOSEN,
                                     lexicon=load_lexicon(), cues=load_measure_cues())
    assert set(model.section.classes_) == {"税務課", "建設課"}
    assert model.predict(["固定資産税の納税通知書について"], "test")[0].section == "税務課"
    assert 0.0 <= metrics["section"]["top1"] <= 1.0
