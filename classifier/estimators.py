"""Linear estimators with calibrated probabilities, as small scikit-learn compatible classes.

`TemperatureScaled` wraps a linear classifier and divides its decision values by one temperature fitted
on out-of-fold decisions (minimum log-loss), so that `predict_proba` can drive an abstain threshold
without changing the ranking. The out-of-fold decisions double as the cross-validated predictions that
`train` reports. `MultiLabelPlatt` is one linear SVM per label with Platt-scaled probabilities, stacked into
one coefficient matrix so that prediction is a single sparse product.

Both fit their cross-validation folds (and the labels) in parallel with `n_jobs` worker processes.
Processes, not threads: liblinear draws from one random generator per process, so two LinearSVC fits
in threads of one process would make training depend on timing. Each fit sets its own seed, so any
`n_jobs` gives the same model up to floating-point rounding (workers run BLAS on one thread, which sums
in another order: the temperature differs by about 1e-13); n_jobs=1 fits in this process, in order.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


class TemperatureScaled(ClassifierMixin, BaseEstimator):
    """softmax(decision_function / T) with T fitted on out-of-fold decisions.

    `background` rows (X, y, weights), such as the lexicon's one-term examples, join the training part
    of every fold and the final fit, but are never held out: the out-of-fold decisions, the temperature
    and the reported CV metrics are those of the real examples only."""

    def __init__(self, estimator=None, cv: int = 5, random_state: int = 0, n_jobs: int | None = None):
        self.estimator = estimator
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y, sample_weight=None, background=None):
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("cannot train a classifier on fewer than two classes")
        folds = list(StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
                     .split(np.zeros(len(y)), y))
        # the folds' fits and the final fit are independent: one parallel batch
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_rows)(self.estimator, X, y, sample_weight, background, rows)
            for rows in [train for train, _ in folds] + [None])
        self.estimator_ = fitted.pop()
        self.oof_decision_ = self._out_of_fold(X, folds, fitted)
        index = np.searchsorted(self.classes_, y)
        self.temperature_ = _fit_temperature(self.oof_decision_, index, sample_weight)
        coef, self.intercept_ = _full_width_coefficients(self.estimator_, X.shape[1])
        # stored transposed and contiguous: X @ coef_t_ needs no copy of the matrix per call
        self.coef_t_ = np.ascontiguousarray(coef.T)
        return self

    @property
    def coef_(self):
        """Coefficients, classes × features (a view of coef_t_)."""
        return self.coef_t_.T

    def _out_of_fold(self, X, folds, fold_models):
        """Each held-out part's decisions by its fold's model (-10 for a class its fold lacked)."""
        decision = np.full((X.shape[0], len(self.classes_)), -10.0)
        for (_, held_out), fold_model in zip(folds, fold_models):
            columns = np.searchsorted(self.classes_, fold_model.classes_)
            decision[np.ix_(held_out, columns)] = _decision_matrix(fold_model, X[held_out])
        return decision

    def decision_function(self, X):
        """X · coef_ᵀ + intercept_: one sparse product, the selector folded into zero coefficients."""
        return np.asarray(X @ self.coef_t_) + self.intercept_

    def predict_proba(self, X):
        return softmax(self.decision_function(X) / self.temperature_, axis=1)

    def predict(self, X):
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def oof_proba(self):
        """Cross-validated (out-of-fold) probabilities of the training rows."""
        return softmax(self.oof_decision_ / self.temperature_, axis=1)

    def drop_training_state(self):
        """Forget the out-of-fold decisions before the model is saved."""
        self.__dict__.pop("oof_decision_", None)
        return self


class MeanLinear(ClassifierMixin, BaseEstimator):
    """The mean of several linear classifiers' coefficients: still one linear model.

    Each member is fitted on the same data; `coef_` and `intercept_` are the means of theirs, so the
    decision is the mean of the members' decisions at the cost of one, and explanations (coefficient ×
    feature value) work as for a single model. Members are dropped after fitting."""

    def __init__(self, estimators=()):
        self.estimators = estimators

    def get_params(self, deep=True):
        """With deep=True also each member and its parameters as `name__param`, as in VotingClassifier."""
        params = super().get_params(deep=False)
        if deep:
            for name, estimator in self.estimators:
                params[name] = estimator
                params.update({f"{name}__{key}": value for key, value in estimator.get_params(deep=True).items()})
        return params

    def fit(self, X, y, sample_weight=None):
        if not self.estimators:
            raise ValueError("MeanLinear needs at least one estimator")
        members = [_fit(clone(estimator), X, y, sample_weight) for _, estimator in self.estimators]
        self.classes_ = members[0].classes_
        if any(not np.array_equal(member.classes_, self.classes_) for member in members):
            raise ValueError("members disagree on the classes")
        coefs, intercepts = zip(*(_full_width_coefficients(member, X.shape[1]) for member in members))
        self.coef_ = np.mean(coefs, axis=0, dtype=np.float32)
        self.intercept_ = np.mean(intercepts, axis=0, dtype=np.float32)
        return self

    def decision_function(self, X):
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict(self, X):
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]


def _with_background(X, y, sample_weight, background):
    """(X, y, weights) with the background rows appended; unchanged without background."""
    if background is None:
        return X, y, sample_weight
    X_extra, y_extra, w_extra = background
    weights = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    return (sp.vstack([X, X_extra]).tocsr(), np.concatenate([y, np.asarray(y_extra)]),
            np.concatenate([weights, np.asarray(w_extra, dtype=float)]))


def _fit_rows(estimator, X, y, sample_weight, background, rows=None):
    """A clone of `estimator` fitted on `rows` of (X, y) (all of them when None) plus the background."""
    if rows is not None:
        X, y = X[rows], y[rows]
        sample_weight = None if sample_weight is None else np.asarray(sample_weight)[rows]
    return _fit(clone(estimator), *_with_background(X, y, sample_weight, background))


def _fit(model, X, y, sample_weight):
    if sample_weight is None:
        return model.fit(X, y)
    if hasattr(model, "steps"):  # a Pipeline: the weights go to its final classifier
        return model.fit(X, y, **{f"{model.steps[-1][0]}__sample_weight": sample_weight})
    return model.fit(X, y, sample_weight=sample_weight)


def _full_width_coefficients(model, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(coef (classes × n_features), intercept) of a fitted linear model, possibly a Pipeline whose
    selectors keep only some input columns: the dropped columns get zero weight."""
    columns = np.arange(n_features)
    if hasattr(model, "steps"):
        for _, step in model.steps[:-1]:
            columns = columns[step.get_support(indices=True)]
        model = model.steps[-1][1]
    coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float32))  # binary ridge: one flat row
    intercept = np.broadcast_to(np.asarray(model.intercept_, dtype=np.float32).ravel(), (coef.shape[0],))
    if coef.shape[0] == 1:  # binary: one row for classes_[1]
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, intercept[0]], dtype=np.float32)
    full = np.zeros((coef.shape[0], n_features), dtype=np.float32)
    full[:, columns] = coef
    return full, np.array(intercept, dtype=np.float32)


def _decision_matrix(model, X):
    decision = model.decision_function(X)
    if decision.ndim == 1:  # binary: one margin for classes_[1]
        decision = np.column_stack([np.zeros_like(decision), decision])
    return decision


def _fit_temperature(decision, index, sample_weight) -> float:
    weights = np.ones(len(index)) if sample_weight is None else np.asarray(sample_weight, dtype=float)

    def loss(log_t: float) -> float:
        log_p = log_softmax(decision / np.exp(log_t), axis=1)
        return -float(np.average(log_p[np.arange(len(index)), index], weights=weights))

    result = minimize_scalar(loss, bounds=(-4.0, 4.0), method="bounded")
    return float(np.exp(result.x))


class MultiLabelPlatt(BaseEstimator):
    """One linear SVM per label, with Platt scaling fitted on out-of-fold decisions.

    Fitting gives cross-validated probabilities of the training rows for free (`oof_proba_`), which
    `train` reports as the measures' cross-validated metrics. `background` rows (X, Y, weights), such as
    the measure cue phrases, join every fold's training part and the final fit but are never held out.
    """

    def __init__(self, C: float = 0.5, cv: int = 5, random_state: int = 0, n_jobs: int | None = None):
        self.C = C
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _svm(self):
        from sklearn.svm import LinearSVC

        return LinearSVC(C=self.C, class_weight="balanced", loss="squared_hinge", penalty="l2", dual=True,
                         tol=1e-4, max_iter=5000, random_state=self.random_state)

    def fit(self, X, Y, sample_weight=None, background=None):
        from sklearn.model_selection import KFold

        Y = np.asarray(Y)
        folds = list(KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state).split(Y))
        labels = Parallel(n_jobs=self.n_jobs)(
            delayed(self._fit_label)(X, Y[:, label], folds, sample_weight,
                                     None if background is None else
                                     (background[0], np.asarray(background[1])[:, label], background[2]))
            for label in range(Y.shape[1]))
        oof, platt, coefs, intercepts = zip(*labels)
        self.platt_ = np.array(platt)
        self.coef_t_ = np.ascontiguousarray(np.array(coefs, dtype=np.float32).T)
        self.intercept_ = np.array(intercepts)
        self.oof_proba_ = expit(np.column_stack(oof) * self.platt_[:, 0] + self.platt_[:, 1])
        return self

    def _fit_label(self, X, column, folds, sample_weight, background):
        """(out-of-fold margins, Platt (a, b), coefficients, intercept) of one label."""
        oof = np.zeros(len(column))
        for train, held_out in folds:
            weights = None if sample_weight is None else np.asarray(sample_weight)[train]
            oof[held_out] = self._margin(*_with_background(X[train], column[train], weights, background), X[held_out])
        X_all, column_all, weights_all = _with_background(X, column, sample_weight, background)
        if 0 < column_all.sum() < len(column_all):
            model = _fit(self._svm(), X_all, column_all, weights_all)
            coef, intercept = np.asarray(model.coef_[0], dtype=np.float32), float(model.intercept_[0])
        else:
            coef, intercept = np.zeros(X.shape[1], dtype=np.float32), 1.0 if column_all.any() else -1.0
        return oof, _fit_platt(oof, column), coef, intercept

    def _margin(self, X_train, y_train, weights, X_test):
        if 0 < y_train.sum() < len(y_train):
            return _fit(self._svm(), X_train, y_train, weights).decision_function(X_test)
        return np.full(X_test.shape[0], 1.0 if y_train.any() else -1.0)

    def decision_function(self, X):
        return np.asarray(X @ self.coef_t_) + self.intercept_

    def predict_proba(self, X):
        return expit(self.decision_function(X) * self.platt_[:, 0] + self.platt_[:, 1])

    def drop_training_state(self):
        self.__dict__.pop("oof_proba_", None)
        return self


def _fit_platt(margin: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """(a, b) of P(label) = sigmoid(a · margin + b), by unregularized-ish logistic regression."""
    if target.min() == target.max():
        return 0.0, (4.0 if target[0] else -4.0)
    model = LogisticRegression(C=100.0, solver="lbfgs", max_iter=1000).fit(margin.reshape(-1, 1), target)
    return float(model.coef_[0, 0]), float(model.intercept_[0])
