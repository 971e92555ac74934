"""MeanLinear: the 課 model's mean of a LinearSVC and a ridge classifier, kept as one linear model."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from classifier.estimators import MeanLinear, TemperatureScaled
from classifier.pipelines import CHOSEN, linear_classifier, section_estimator


def _data(seed=0, classes=3, rows=90, features=40):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), rows // classes)
    X = rng.random((rows, features)) * (rng.random((rows, features)) < 0.2)
    X[np.arange(rows), y] += 1.0  # one telling feature per class
    return sp.csr_matrix(X), np.array([f"課{c}" for c in y])


def _members():
    return [("linsvc", linear_classifier("linsvc", 0.5)), ("ridge", linear_classifier("ridge", 1.0))]


def test_decision_is_the_mean_of_the_members_decisions():
    """Is MeanLinear's decision the mean of its members' decisions, row by row?"""
    X, y = _data()
    model = MeanLinear(_members()).fit(X, y)
    members = [clone(estimator).fit(X, y) for _, estimator in _members()]
    expected = np.mean([member.decision_function(X) for member in members], axis=0)
    np.testing.assert_allclose(model.decision_function(X), expected, rtol=1e-4, atol=1e-5)
    assert list(model.classes_) == ["課0", "課1", "課2"]
    assert (model.predict(X) == y).mean() > 0.9


def test_sample_weights_reach_every_member():
    """Does a weighted fit differ from an unweighted one (the weights are passed on)?"""
    X, y = _data(seed=1)
    weights = np.where(y == "課0", 5.0, 1.0)
    plain = MeanLinear(_members()).fit(X, y)
    weighted = MeanLinear(_members()).fit(X, y, sample_weight=weights)
    assert not np.allclose(plain.coef_, weighted.coef_)


def test_members_parameters_are_visible_and_clone_keeps_them():
    """Are the members' parameters listed (for the artifact metadata) and kept by clone?"""
    params = MeanLinear(_members()).get_params(deep=True)
    assert params["linsvc__C"] == 0.5 and params["ridge__alpha"] == 1.0
    cloned = clone(MeanLinear(_members()))
    assert [name for name, _ in cloned.estimators] == ["linsvc", "ridge"]


def test_no_members_is_an_error():
    """Is a MeanLinear without members refused at fit time?"""
    X, y = _data()
    with pytest.raises(ValueError):
        MeanLinear([]).fit(X, y)


def test_the_chosen_section_model_calibrates_a_mean_linear():
    """Does the shipped 課 estimator (temperature-scaled MeanLinear) give probabilities that rank like
    its decisions?"""
    X, y = _data(seed=2, rows=150)
    assert isinstance(section_estimator(CHOSEN), MeanLinear)
    model = TemperatureScaled(section_estimator(CHOSEN), cv=3).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert (np.argmax(proba, axis=1) == np.argmax(model.decision_function(X), axis=1)).all()
    assert model.temperature_ > 0


def test_two_classes_give_one_decision_column_per_class():
    """With two 課 (a flat coefficient row for ridge), are both classes still scored?"""
    X, y = _data(classes=2, rows=60)
    model = MeanLinear(_members()).fit(X, y)
    decision = model.decision_function(X)
    assert decision.shape == (60, 2)
    assert (model.predict(X) == y).mean() > 0.9
