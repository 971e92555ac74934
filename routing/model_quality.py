"""How the classifier does on the city's real voices: its 課 against the 課 staff confirmed.

The fixed test split measures the model on synthetic voices; this measures it on the voices it is used
for. A voice counts once staff confirmed its 課 (routed it from triage, forwarded, accepted, closed, or
chose it at intake) and the model classified it; its reform measures count where staff confirmed them.
The model's 課 are compared as the 課 that handle them today (``models.label_targets``), so a 機構改革
does not turn right answers into wrong ones.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import Assignment, Classification, Section, Voice, VoiceMeasure, db, label_targets, utcnow

JST = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class QualityRow:
    """One month (JST, by 受付日) of staff-confirmed, model-classified voices; ``month`` "" is the total."""

    month: str
    confirmed: int  # voices counted
    top1: int  # the model's first 課 is the confirmed one
    top3: int  # the confirmed 課 is among the model's three
    auto_routed: int  # routed by the model itself (confidence at or above the threshold)
    auto_kept: int  # of those, the confirmed 課 is the one the model routed to
    measured: int = 0  # voices whose reform measures staff confirmed (by hand or by linking an action item)
    measures_tp: int = 0  # measure codes both the model and staff gave
    measures_fp: int = 0  # codes only the model gave
    measures_fn: int = 0  # codes only staff gave

    @property
    def top1_rate(self) -> float | None:
        return self.top1 / self.confirmed if self.confirmed else None

    @property
    def top3_rate(self) -> float | None:
        return self.top3 / self.confirmed if self.confirmed else None

    @property
    def kept_rate(self) -> float | None:
        return self.auto_kept / self.auto_routed if self.auto_routed else None

    @property
    def measures_f1(self) -> float | None:
        """Micro-F1 of the model's measure codes against the ones staff confirmed, as in evaluation."""
        denominator = 2 * self.measures_tp + self.measures_fp + self.measures_fn
        return 2 * self.measures_tp / denominator if self.measured and denominator else None


@dataclass(frozen=True)
class QualityReport:
    """The months (newest first, then the total) and the 課 the model most often took for another."""

    rows: list[QualityRow]
    confusions: list[tuple[str, str, int]]  # (confirmed 課, the model's first 課, voices), most first

    def __bool__(self) -> bool:
        return bool(self.rows)


CONFUSIONS_SHOWN = 10


def model_quality(months: int = 12, now: datetime | None = None) -> QualityReport:
    """The model on the voices staff confirmed in the last ``months`` months."""
    counted = (Voice.section_confirmed.is_(True), Voice.section_id.is_not(None),
               Voice.received_at >= (now or utcnow()) - timedelta(days=31 * months))
    voices = {voice_id: (received, section_id) for voice_id, received, section_id in db.session.execute(
        select(Voice.id, Voice.received_at, Voice.section_id).where(*counted))}
    if not voices:
        return QualityReport([], [])
    tops: dict[int, list[str]] = {}  # each voice's latest classification: its three 課 labels, best first
    said: dict[int, set[str]] = {}  # and the measure codes it gave
    for voice_id, section_top, measures in db.session.execute(
            select(Classification.voice_id, Classification.section_top, Classification.measures)
            .join(Voice, Voice.id == Classification.voice_id).where(*counted).order_by(Classification.id)):
        tops[voice_id], said[voice_id] = [label for label, _ in section_top], set(measures or ())
    confirmed: dict[int, set[str]] = defaultdict(set)  # measure codes staff confirmed
    for voice_id, code in db.session.execute(
            select(VoiceMeasure.voice_id, VoiceMeasure.measure_code)
            .join(Voice, Voice.id == VoiceMeasure.voice_id).where(*counted, VoiceMeasure.source == "staff")):
        confirmed[voice_id].add(code)
    first: dict[int, tuple[str, int]] = {}  # each voice's first primary assignment: who decided, which 課
    for voice_id, decided_by, section_id in db.session.execute(
            select(Assignment.voice_id, Assignment.decided_by, Assignment.section_id)
            .join(Voice, Voice.id == Assignment.voice_id)
            .where(*counted, Assignment.role == "primary").order_by(Assignment.id)):
        first.setdefault(voice_id, (decided_by, section_id))
    model_routed = {voice_id: section_id for voice_id, (decided_by, section_id) in first.items()
                    if decided_by == "model"}
    return _rows(voices, tops, model_routed, {v: (said[v], codes) for v, codes in confirmed.items() if v in said})


def _rows(voices: dict, tops: dict[int, list[str]], model_routed: dict[int, int],
          measures: dict[int, tuple[set[str], set[str]]]) -> QualityReport:
    """``measures``: voice id → (the model's codes, the codes staff confirmed), for voices with the latter."""
    targets = label_targets()
    today = _today_ids(targets)
    names = {section.id: section.name for section in targets.values()}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * 9)  # month → the QualityRow counts
    confused: Counter = Counter()
    for voice_id, (received, section_id) in voices.items():
        if voice_id not in tops:
            continue
        final = today.get(section_id, section_id)
        predicted = [targets[label].id if label in targets else None for label in tops[voice_id]]
        routed = model_routed.get(voice_id)
        model_codes, staff_codes = measures.get(voice_id, (set(), set()))
        found = [1, bool(predicted) and predicted[0] == final, final in predicted[:3],
                 routed is not None, routed is not None and today.get(routed, routed) == final,
                 voice_id in measures, len(model_codes & staff_codes), len(model_codes - staff_codes),
                 len(staff_codes - model_codes)]
        for month in (received.astimezone(JST).strftime("%Y-%m"), ""):  # "": the total
            counts[month] = [total + int(value) for total, value in zip(counts[month], found)]
        if predicted and predicted[0] != final and predicted[0] in names and final in names:
            confused[names[final], names[predicted[0]]] += 1
    total = counts.pop("", None)
    rows = [QualityRow(month, *values) for month, values in sorted(counts.items(), reverse=True)]
    ranked = sorted(confused.items(), key=lambda item: (-item[1], item[0]))[:CONFUSIONS_SHOWN]
    return QualityReport(rows + [QualityRow("", *total)] if total else rows,
                         [(truth, said, count) for (truth, said), count in ranked])


def _today_ids(targets: dict[str, Section]) -> dict[int, int]:
    """課 id → id of the 課 that handles its voices today (a retired 課's successor)."""
    return {section.id: targets[section.classifier_label].id
            for section in db.session.scalars(select(Section)) if section.classifier_label in targets}
