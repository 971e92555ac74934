"""The fitted model bundle (one vectorizer, three classifiers) and the Prediction it produces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp

from . import labels
from .explanation import explanatory_characters, is_explanatory
from .features import Doc, analyze_texts, feature_names, vectorizer_needs_reading, word_feature_mask

# Predictions read at most this many characters of a voice; the rest adds time, not evidence.
MAX_TEXT_CHARS = 20_000
EXPLANATION_TERMS = 5


@dataclass(frozen=True)
class Prediction:
    """What the model says about one voice."""

    section: str
    section_top: list[tuple[str, float]]
    bu: str
    measures: list[str]
    voice_type: str
    confidence: float
    explanation: list[str]
    model_version: str

    def to_dict(self) -> dict:
        """The JSON shape of `python -m classifier predict` (without the id)."""
        data = asdict(self)
        data["section_top"] = [[name, round(score, 4)] for name, score in self.section_top]
        data["confidence"] = round(self.confidence, 4)
        return data


def decide_measures(probabilities, measure_labels, threshold: float, none_threshold: float, limit: int = 2,
                    second_threshold: float = 0.0):
    """Codes with probability ≥ threshold, best first, at most `limit`; every code after the first also
    needs ≥ second_threshold. None at all when the "none" label itself is at least `none_threshold`
    likely."""
    none_index = measure_labels.index(labels.NO_MEASURE)
    if probabilities[none_index] >= none_threshold:
        return []
    ranked = [i for i in np.argsort(-probabilities) if i != none_index and probabilities[i] >= threshold]
    kept = ranked[:1] + [i for i in ranked[1:limit] if probabilities[i] >= second_threshold]
    return [measure_labels[i] for i in kept]


@dataclass
class VoiceModel:
    """A vectorizer shared by the 課, measure and voice-type classifiers."""

    vectorizer: object
    section: object  # TemperatureScaled, classes_ = 課 names
    voice_type: object  # TemperatureScaled, classes_ = voice types
    measures: object  # MultiLabelPlatt over measure_labels (codes + "none")
    measure_labels: list[str]
    measure_threshold: float
    none_threshold: float
    max_measures: int = 2
    # every code after the first needs this much probability too (0.0: measure_threshold alone)
    second_threshold: float = 0.0
    # 課 label → its 部 in the organization the model was trained for (None: the reference organization)
    section_bu: dict[str, str] | None = None
    _names: list[str] | None = field(default=None, repr=False)

    def predict(self, texts: Sequence[str], version: str) -> list[Prediction]:
        """Predictions for raw texts: each text is analyzed (tokenized) once."""
        return self.predict_docs(self.analyze(texts), version)

    def analyze(self, texts: Sequence[str]) -> list[Doc]:
        """The documents this model's features read, for the first MAX_TEXT_CHARS of each text."""
        return analyze_texts([text[:MAX_TEXT_CHARS] for text in texts],
                             reading=vectorizer_needs_reading(self.vectorizer))

    def predict_docs(self, docs: list[Doc], version: str) -> list[Prediction]:
        """Predictions for analyzed documents."""
        if not docs:
            return []
        X = self._vectorize(docs)
        section_p = self.section.predict_proba(X)
        type_p = self.voice_type.predict_proba(X)
        measure_p = self.measures.predict_proba(X)
        sections = self.section.classes_
        top3 = np.argsort(-section_p, axis=1)[:, :3]
        types = self.voice_type.classes_[np.argmax(type_p, axis=1)]
        predictions = []
        for row in range(X.shape[0]):
            best = top3[row, 0]
            section = str(sections[best])
            empty = X.indptr[row] == X.indptr[row + 1]
            predictions.append(
                Prediction(
                    section=section,
                    section_top=[(str(sections[i]), float(section_p[row, i])) for i in top3[row]],
                    bu=self.bu_of(section),
                    measures=self.measures_of(measure_p[row]),
                    voice_type=str(types[row]),
                    # Nothing of the text is known to the model: say so instead of echoing the prior.
                    confidence=0.0 if empty else float(section_p[row, best]),
                    explanation=[] if empty else self.explain(X, row, best, docs[row][1]),
                    model_version=version,
                )
            )
        return predictions

    def bu_of(self, section: str) -> str:
        """The 部 of a 課 label in the model's organization; "" for a label it does not know."""
        if self.section_bu is not None:
            return self.section_bu.get(section, "")
        return labels.bu_of(section) if labels.is_section(section) else ""

    def _vectorize(self, docs: list[Doc]):
        # FeatureUnion.transform would route two transforms through joblib: ~0.5 ms per call for nothing
        parts = getattr(self.vectorizer, "transformer_list", None)
        if parts is None:
            return self.vectorizer.transform(docs).tocsr()
        return sp.hstack([part.transform(docs) for _, part in parts], format="csr")

    def measures_of(self, probabilities: np.ndarray) -> list[str]:
        """The measure codes for one row of measure probabilities."""
        return decide_measures(probabilities, self.measure_labels, self.measure_threshold, self.none_threshold,
                               self.max_measures, self.second_threshold)

    def explain(self, X, row: int, class_index: int, tokens: Sequence[str] = ()) -> list[str]:
        """Terms that pushed row `row` toward class `class_index`: largest coefficient × feature value.

        Word features come first, content words only (`explanation.is_explanatory`: not か, てる, 下さる or
        ?, which the model may weigh but which tell staff nothing); a word that is part of another listed
        word is shown as that one (自転 and 自転車, from a voice in kana, are one term: 自転車). Character
        n-grams only fill up when fewer than three words pushed, never one that is part of a listed term,
        and only one made of kanji, katakana or letters or that is one of the voice's ``tokens``
        and a content word (ごみ; not 「の」, nor 「ださい」 cut out of 「ください」).
        """
        start, end = X.indptr[row], X.indptr[row + 1]
        columns, values = X.indices[start:end], X.data[start:end]
        contributions = self.section.coef_[class_index, columns] * values
        names, is_word = self._feature_names(), self._word_mask()
        if len(contributions) > 4 * EXPLANATION_TERMS:  # only the strongest few need sorting
            strongest = np.argpartition(-contributions, 4 * EXPLANATION_TERMS)[: 4 * EXPLANATION_TERMS]
        else:
            strongest = np.arange(len(contributions))
        ranked = [i for i in strongest[np.argsort(-contributions[strongest])] if contributions[i] > 0]
        words = [names[columns[i]] for i in ranked if is_word[columns[i]]]
        terms = _distinct_words([word for word in words if is_explanatory(word)], EXPLANATION_TERMS)
        own_words = set(tokens)
        for i in ranked:
            if len(terms) >= 3:
                break
            term = names[columns[i]].strip()
            if (not is_word[columns[i]] and explanatory_characters(term, own_words)
                    and not any(term in kept for kept in terms)):
                terms.append(term)
        return terms

    def _feature_names(self) -> list[str]:
        if self._names is None:
            self._names = feature_names(self.vectorizer)
        return self._names

    def _word_mask(self) -> np.ndarray:
        if "_word_mask_cache" not in self.__dict__:
            self.__dict__["_word_mask_cache"] = word_feature_mask(self.vectorizer)
        return self.__dict__["_word_mask_cache"]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_word_mask_cache", None)
        state["_names"] = None
        return state


def _distinct_words(words: Sequence[str], limit: int) -> list[str]:
    """The first `limit` of `words` (strongest first), a word inside a listed one merged into it: the
    longer word takes the place of the stronger one."""
    kept: list[str] = []
    for word in words:
        if any(word in other for other in kept):
            continue
        inside = [i for i, other in enumerate(kept) if other in word]
        if inside:
            kept[inside[0]] = word
            kept = [other for i, other in enumerate(kept) if i not in inside[1:]]
        elif len(kept) == limit:
            break
        else:
            kept.append(word)
    return kept
