"""Training fits its cross-validation folds and labels in worker processes; the model must not depend
on how many."""

import numpy as np
import pytest
import scipy.sparse as sp

from classifier.config import TRAIN_JOBS_ENV, training_jobs
from classifier.estimators import MultiLabelPlatt, TemperatureScaled
from classifier.pipelines import CHOSEN, section_estimator


def _data(seed=0, classes=4, rows=120, features=60):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), rows // classes)
    X = rng.random((rows, features)) * (rng.random((rows, features)) < 0.2)
    X[np.arange(rows), y] += 0.6  # one telling feature per class, with overlap from the noise
    labels = np.array([f"課{c}" for c in y])
    Y = np.column_stack([y == 0, y == 1, (y == 2) | (y == 3), np.zeros(rows, dtype=bool)]).astype(np.int8)
    background = (sp.csr_matrix(rng.random((8, features)) * (rng.random((8, features)) < 0.3)),
                  np.array([f"課{c % classes}" for c in range(8)]), np.full(8, 0.5))
    return sp.csr_matrix(X), labels, Y, background


def test_the_calibrated_section_model_is_the_same_with_two_workers():
    """Folds and the final fit in two processes: the same coefficients, out-of-fold decisions and
    temperature as fitting them one after another here (the shipped mean of two linear models)."""
    X, y, _, background = _data()
    weights = np.where(y == "課0", 2.0, 1.0)
    fits = [TemperatureScaled(section_estimator(CHOSEN), cv=3, n_jobs=jobs)
            .fit(X, y, sample_weight=weights, background=background) for jobs in (1, 2)]
    sequential, parallel = fits
    np.testing.assert_allclose(parallel.coef_, sequential.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(parallel.intercept_, sequential.intercept_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(parallel.oof_decision_, sequential.oof_decision_, rtol=1e-9, atol=1e-9)
    assert parallel.temperature_ == pytest.approx(sequential.temperature_, rel=1e-9)
    assert list(parallel.classes_) == list(sequential.classes_) == ["課0", "課1", "課2", "課3"]
    # the folds really held rows out: out-of-fold accuracy is below the training accuracy, above chance
    oof_accuracy = np.mean(sequential.classes_[sequential.oof_decision_.argmax(1)] == y)
    assert 0.4 < oof_accuracy <= np.mean(sequential.predict(X) == y)


def test_the_measures_model_is_the_same_with_two_workers():
    """Labels in two processes: the same coefficients, Platt parameters and out-of-fold probabilities,
    including a label no row has (which gets no coefficients and a constant margin)."""
    X, _, Y, _ = _data(seed=1)
    background = (sp.csr_matrix(np.eye(3, X.shape[1])), np.array([[1, 0, 0, 0]] * 3), np.ones(3))
    sequential, parallel = (MultiLabelPlatt(C=0.5, cv=3, n_jobs=jobs).fit(X, Y, background=background)
                            for jobs in (1, 2))
    np.testing.assert_allclose(parallel.coef_t_, sequential.coef_t_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(parallel.platt_, sequential.platt_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(parallel.oof_proba_, sequential.oof_proba_, rtol=1e-9, atol=1e-9)
    assert not sequential.coef_t_[:, 3].any() and sequential.intercept_[3] == -1.0
    assert sequential.oof_proba_.shape == Y.shape


def test_training_jobs_come_from_the_environment(monkeypatch):
    """$MIRAI_TRAIN_JOBS sets the worker count; without it at most two (one per CPU); junk is refused."""
    monkeypatch.setenv(TRAIN_JOBS_ENV, "3")
    assert training_jobs() == 3
    monkeypatch.setenv(TRAIN_JOBS_ENV, "0")
    assert training_jobs() == 1
    monkeypatch.delenv(TRAIN_JOBS_ENV)
    assert 1 <= training_jobs() <= 2
    monkeypatch.setenv(TRAIN_JOBS_ENV, "many")
    with pytest.raises(ValueError, match=TRAIN_JOBS_ENV):
        training_jobs()
