"""How measure probabilities become a voice's measure codes."""

import numpy as np

from classifier.labels import NO_MEASURE
from classifier.model import decide_measures

CODES = ["M1-1", "M4-3", "M6-1", NO_MEASURE]


def test_a_second_code_needs_the_second_threshold():
    """Is a second code kept only when it clears its own, higher threshold?"""
    probabilities = np.array([0.30, 0.90, 0.45, 0.10])
    assert decide_measures(probabilities, CODES, 0.2, 0.8) == ["M4-3", "M6-1"]
    assert decide_measures(probabilities, CODES, 0.2, 0.8, second_threshold=0.5) == ["M4-3"]
    assert decide_measures(probabilities, CODES, 0.2, 0.8, second_threshold=0.4) == ["M4-3", "M6-1"]


def test_the_first_code_needs_only_the_main_threshold():
    """Does a lone code at the main threshold survive a higher second-code threshold?"""
    assert decide_measures(np.array([0.05, 0.25, 0.10, 0.30]), CODES, 0.2, 0.8, second_threshold=0.5) == ["M4-3"]
    assert decide_measures(np.array([0.05, 0.15, 0.10, 0.30]), CODES, 0.2, 0.8, second_threshold=0.5) == []


def test_limit_and_none_win_over_the_codes():
    """Are at most `limit` codes given, and none when "none" is likely enough?"""
    probabilities = np.array([0.70, 0.90, 0.80, 0.10])
    assert decide_measures(probabilities, CODES, 0.2, 0.8, limit=1) == ["M4-3"]
    assert decide_measures(probabilities, CODES, 0.2, 0.8, second_threshold=0.5) == ["M4-3", "M6-1"]
    assert decide_measures(np.array([0.30, 0.60, 0.55, 0.85]), CODES, 0.2, 0.8, second_threshold=0.5) == []
