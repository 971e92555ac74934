"""The routing decision on its own: staff's choice, then rules, then a confident model, else triage."""
from __future__ import annotations

from models import RoutingRule, Section
from routing.decision import decide

HEARING, KANKYO, KENSETSU, CHOSEN = (Section(name=n) for n in ("秘書広報課", "生活環境課", "建設課", "農政課"))
RULE = RoutingRule(id=7, name="道路の穴", section=KENSETSU)


def _decide(**given):
    args = {"chosen": None, "rule": None, "predicted": KANKYO, "confidence": 0.8, "model_version": "v1",
            "threshold": 0.5, "hearing": HEARING}
    return decide(**{**args, **given})


def test_a_section_chosen_by_staff_wins_over_rule_and_model():
    d = _decide(chosen=CHOSEN, rule=RULE)
    assert (d.target, d.decided_by, d.status, d.rule) == (CHOSEN, "staff", "assigned", None)


def test_a_rule_wins_over_a_confident_model_and_is_named_in_the_reason():
    d = _decide(rule=RULE)
    assert (d.target, d.decided_by, d.status, d.rule) == (KENSETSU, "rule", "assigned", RULE)
    assert "道路の穴" in d.reason and "#7" in d.reason


def test_the_model_assigns_at_the_threshold_and_sends_below_it_to_triage():
    assert (_decide(confidence=0.5).target, _decide(confidence=0.5).decided_by) == (KANKYO, "model")
    below = _decide(confidence=0.49)
    assert (below.target, below.decided_by, below.status) == (HEARING, "triage", "triage")
    assert "v1" in below.reason and "0.49" in below.reason and "0.50" in below.reason


def test_a_prediction_of_an_inactive_section_goes_to_triage_however_confident():
    d = _decide(predicted=None, confidence=0.99)
    assert (d.target, d.status) == (HEARING, "triage")
