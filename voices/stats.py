"""Aggregates for planners and the public: voices per reform measure by 年度 and month (JST).

Every count is computed in the database (grouped by measure, JST month and a dimension), so the pages
stay fast on a million voices; only the rising-terms comparison reads stored Sudachi tokens, from a
bounded sample of the newest voices of each period.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from models import (
    ACTION_ITEM_STATUSES,
    AGE_GROUPS,
    CHANNELS,
    ActionItem,
    Measure,
    MeasureRollup,
    Section,
    Voice,
    VoiceActionItem,
    VoiceMeasure,
    VoiceReflection,
    db,
)
from voices import disclosure, rollups
from voices.redact import name_terms, redact, redact_place
from voices.search import display_terms

JST = ZoneInfo("Asia/Tokyo")
DIMENSIONS: dict[str, str] = {"section": "課", "channel": "受付経路", "voice_type": "種別", "district": "地区",
                              "age_group": "年代"}
# Attributes of the person who sent a voice: a small count in their breakdown may point to someone.
PERSONAL_DIMENSIONS: frozenset[str] = frozenset({"district", "age_group"})
FISCAL_MONTHS: tuple[int, ...] = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
TERM_SAMPLE = 1500  # newest voices per period read for rising terms


# --- 年度 and periods -------------------------------------------------------------------------------

def fiscal_year_of(moment: datetime | date) -> int:
    """The 年度 (April–March, JST) a moment or a JST date falls in: 2025-03-31 → 2024, 2025-04-01 → 2025."""
    day = moment.astimezone(JST).date() if isinstance(moment, datetime) else moment
    return day.year if day.month >= 4 else day.year - 1


def jst_midnight(day: date) -> datetime:
    """00:00 JST of ``day`` as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=JST)


@dataclass(frozen=True)
class Period:
    """A half-open range of JST dates [start, end) with a label."""

    start: date
    end: date
    label: str

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return jst_midnight(self.start), jst_midnight(self.end)

    def months(self) -> list[str]:
        """The JST months of the period as 'YYYY-MM' (periods are whole months)."""
        result, day = [], self.start.replace(day=1)
        while day < self.end:
            result.append(day.strftime("%Y-%m"))
            day = (day + timedelta(days=32)).replace(day=1)
        return result

    def previous(self) -> Period:
        """The period of the same length just before this one (the previous 年度 for a 年度)."""
        if self.start.month == 4 and self.start.day == 1 and self.end == date(self.start.year + 1, 4, 1):
            return fiscal_year_period(self.start.year - 1)
        length = self.end - self.start
        return Period(self.start - length, self.start, "前の期間")


def fiscal_year_period(year: int) -> Period:
    """年度 ``year``: April 1 to the next April 1 (JST)."""
    return Period(date(year, 4, 1), date(year + 1, 4, 1), f"{year}年度")


def month_period(first: date, last: date) -> Period:
    """Months ``first`` … ``last`` inclusive (days ignored)."""
    start = first.replace(day=1)
    end = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
    return Period(start, end, f"{start.year}年{start.month}月〜{last.year}年{last.month}月")


def current_fiscal_year(today: date | None = None) -> int:
    return fiscal_year_of(today or datetime.now(JST).date())


# --- SQL building blocks ------------------------------------------------------------------------------

def _live(query: Select) -> Select:
    """Restrict a live query to voices above the rollup watermark."""
    return query.where(Voice.id > rollups.watermark())


def _rolled(dimension: str, months: list[str], code: str | None = None, by: str = "value") -> dict[str, int]:
    """Sums from the rollup table: per value, per month or per measure."""
    column = {"value": MeasureRollup.value, "month": MeasureRollup.month,
              "measure": MeasureRollup.measure_code}[by]
    query = select(column, func.sum(MeasureRollup.count)).where(
        MeasureRollup.dimension == dimension, MeasureRollup.month.in_(months))
    if code is not None:
        query = query.where(MeasureRollup.measure_code == code)
    else:
        query = query.where(MeasureRollup.measure_code != "")
    return {key: int(n) for key, n in db.session.execute(query.group_by(column)).all()}


def _merge(*parts: dict) -> dict:
    total: dict = {}
    for part in parts:
        for key, n in part.items():
            total[key] = total.get(key, 0) + n
    return total


def _counted_in(query: Select, period: Period | None) -> Select:
    """Voices that count (spam and duplicates never do), received in ``period`` unless it is None."""
    query = query.where(rollups.counted())
    if period is None:
        return query
    start, end = period.bounds
    return query.where(Voice.received_at >= start, Voice.received_at < end)


def _measure_voices(query: Select, code: str | None) -> Select:
    query = query.select_from(VoiceMeasure).join(Voice, Voice.id == VoiceMeasure.voice_id)
    return query.where(VoiceMeasure.measure_code == code) if code else query


# --- the 7 × 3 matrix ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MatrixCell:
    code: str
    title: str
    count: int


@dataclass(frozen=True)
class Matrix:
    means: list[tuple[int, str]]
    stances: list[tuple[int, str]]
    cells: dict[tuple[int, int], MatrixCell]
    total: int
    max_count: int


def measure_counts(period: Period) -> dict[str, int]:
    """Voices per measure code received in ``period``."""
    query = _live(_counted_in(_measure_voices(select(VoiceMeasure.measure_code, func.count()), None), period))
    live = dict(db.session.execute(query.group_by(VoiceMeasure.measure_code)).all())
    return {k: v for k, v in _merge(_rolled("total", period.months(), by="measure"), live).items() if v}


def matrix(period: Period) -> Matrix:
    """The 推進手段 × 基本姿勢 matrix of voice counts for ``period``."""
    counts = measure_counts(period)
    measures = db.session.scalars(select(Measure).order_by(Measure.code)).all()
    cells, means, stances = {}, {}, {}
    for m in measures:
        means[m.means.number] = m.means.name
        stances[m.stance.number] = m.stance.name
        cells[(m.means.number, m.stance.number)] = MatrixCell(m.code, m.title, counts.get(m.code, 0))
    return Matrix(sorted(means.items()), sorted(stances.items()), cells, sum(counts.values()),
                  max(counts.values(), default=0))


# --- one measure ----------------------------------------------------------------------------------------

def monthly_counts(code: str | None, fiscal_years: list[int]) -> dict[int, list[int]]:
    """{年度: [April … March counts]} for a measure (or all voices when ``code`` is None)."""
    first, last = min(fiscal_years), max(fiscal_years)
    period = Period(date(first, 4, 1), date(last + 1, 4, 1), "")
    month = rollups.jst_month(Voice.received_at)
    if code:
        query = _measure_voices(select(month, func.count()), code)
    else:
        query = select(month, func.count()).select_from(Voice)
    live = dict(db.session.execute(_live(_counted_in(query, period)).group_by(month)).all())
    counts = _merge(_rolled("total", period.months(), code or "", by="month"), live)
    result = {year: [0] * 12 for year in fiscal_years}
    for key, count in counts.items():
        year, mon = int(key[:4]), int(key[5:7])
        fiscal = year if mon >= 4 else year - 1
        if fiscal in result:
            result[fiscal][FISCAL_MONTHS.index(mon)] += count
    return result


def monthly_counts_by_measure(year: int) -> dict[str, list[int]]:
    """{measure code: [April … March counts]} of one 年度, every measure in one pass."""
    period = fiscal_year_period(year)
    month = rollups.jst_month(Voice.received_at)
    query = _measure_voices(select(VoiceMeasure.measure_code, month, func.count()), None)
    live = db.session.execute(_live(_counted_in(query, period)).group_by(VoiceMeasure.measure_code, month)).all()
    rolled = db.session.execute(
        select(MeasureRollup.measure_code, MeasureRollup.month, func.sum(MeasureRollup.count))
        .where(MeasureRollup.dimension == "total", MeasureRollup.measure_code != "",
               MeasureRollup.month.in_(period.months()))
        .group_by(MeasureRollup.measure_code, MeasureRollup.month)).all()
    result = {code: [0] * 12 for code in db.session.scalars(select(Measure.code).order_by(Measure.code))}
    for code, key, count in [*rolled, *live]:
        if code in result:
            result[code][FISCAL_MONTHS.index(int(key[5:7]))] += int(count)
    return result


def breakdown(code: str, period: Period, dimension: str) -> list[tuple[str, int]]:
    """Exact counts of a measure's voices in ``period`` by 課 / channel / voice type / 地区 / 年代, largest first.

    Not for display by 地区 or 年代: use ``disclosed_breakdown``, which withholds small counts."""
    if dimension == "section":
        column = Section.name
        query = _measure_voices(select(column, func.count()), code).outerjoin(Section, Section.id == Voice.section_id)
    else:
        column = getattr(Voice, dimension)
        query = _measure_voices(select(column, func.count()), code)
    live = {key or "": n for key, n in db.session.execute(_live(_counted_in(query, period)).group_by(column)).all()}
    counts = _merge(_rolled(dimension, period.months(), code), live)
    labelled: dict[str, int] = {}
    for key, count in counts.items():
        if count:
            label = _dimension_label(dimension, key)
            labelled[label] = labelled.get(label, 0) + count
    if dimension == "age_group":
        order = {g: i for i, g in enumerate(AGE_GROUPS)}
        return sorted(labelled.items(), key=lambda r: order.get(r[0], 99))
    return sorted(labelled.items(), key=lambda r: (-r[1], r[0]))


def disclosed_breakdown(code: str, period: Period, dimension: str, minimum: int = disclosure.DEFAULT_MINIMUM
                        ) -> list[tuple[str, disclosure.Count]]:
    """``breakdown`` as planners, reports and exports may show it: by an attribute of the person (地区, 年代)
    a count below ``minimum`` and what would let it be recovered from the measure's total are withheld
    (``voices.disclosure.suppress``); by 課, channel or voice type every count is exact."""
    rows = breakdown(code, period, dimension)
    return disclosure.suppress(rows, minimum) if dimension in PERSONAL_DIMENSIONS else rows


def _dimension_label(dimension: str, key: str | None) -> str:
    if not key:
        return "未設定"
    if dimension == "channel":
        return CHANNELS.get(key, key)
    if dimension == "district":  # free text (「小絹123-4 鈴木方」): planners see it with personal data replaced
        return redact_place(key)
    return key


@lru_cache(maxsize=20000)
def _is_personal(term: str) -> bool:
    """Terms that are (part of) personal data never appear in a list: names, latin fragments of e-mails."""
    if term.isascii():
        return True
    return redact(term) != term


def _term_frequencies(code: str, period: Period, sample: int = TERM_SAMPLE) -> tuple[Counter, int]:
    query = _counted_in(_measure_voices(select(Voice.search_tokens, Voice.submitter_name), code), period)
    rows = db.session.execute(query.order_by(Voice.id.desc()).limit(sample)).all()
    counter: Counter = Counter()
    for tokens, submitter in rows:  # a voice's own signature (林です) is not a term, even where Sudachi misses it
        counter.update(display_terms(tokens) - name_terms(submitter))
    return counter, len(rows)


@dataclass(frozen=True)
class Term:
    term: str
    current: int
    previous: int
    ratio: float


def rising_terms(code: str, period: Period, limit: int = 10) -> list[Term]:
    """Terms in more of the measure's voices this period than in the previous one (document frequency)."""
    current, n_cur = _term_frequencies(code, period)
    previous, n_prev = _term_frequencies(code, period.previous())
    if not n_cur:
        return []
    scored = []
    for term, count in current.items():
        if count < 2 or _is_personal(term):
            continue
        share_now = count / n_cur
        share_before = (previous.get(term, 0) + 0.5) / (n_prev + 1)
        ratio = share_now / share_before
        if ratio > 1.0:
            scored.append(Term(term, count, previous.get(term, 0), round(ratio, 2)))
    scored.sort(key=lambda t: (-t.ratio * t.current, t.term))
    return scored[:limit]


def top_terms(code: str, period: Period, limit: int = 10, sample: int = TERM_SAMPLE) -> list[tuple[str, int]]:
    """The terms in most of the measure's voices in ``period`` (for the report)."""
    current, _ = _term_frequencies(code, period, sample)
    return [(t, c) for t, c in current.most_common(limit * 5) if c >= 2 and not _is_personal(t)][:limit]


@dataclass(frozen=True)
class ActionItemRow:
    id: int
    code: str
    title: str
    section: str
    status: str
    years: str
    kpi: str
    voices: int
    reflected: int


def action_item_counts(item_ids: list[int] | None = None, period: Period | None = None
                       ) -> tuple[dict[int, int], dict[int, int]]:
    """Linked voices and 反映済 voices per action item (all items, or only ``item_ids``), counting the voices
    that count (never spam or duplicates), received in ``period`` when one is given."""
    linked_query = _counted_in(select(VoiceActionItem.action_item_id, func.count()).join(
        Voice, Voice.id == VoiceActionItem.voice_id), period)
    reflected_query = linked_query.join(VoiceReflection, VoiceReflection.voice_id == VoiceActionItem.voice_id)
    if item_ids is not None:
        linked_query = linked_query.where(VoiceActionItem.action_item_id.in_(item_ids))
        reflected_query = reflected_query.where(VoiceActionItem.action_item_id.in_(item_ids))
    linked = dict(db.session.execute(linked_query.group_by(VoiceActionItem.action_item_id)).all())
    reflected = dict(db.session.execute(reflected_query.group_by(VoiceActionItem.action_item_id)).all())
    return linked, reflected


def action_item_rows(code: str, period: Period | None = None) -> list[ActionItemRow]:
    """The measure's action items with the number of linked voices and of those marked 反映済 (received in
    ``period`` when one is given: a 年度's report counts that 年度's voices)."""
    items = db.session.scalars(
        select(ActionItem).join(Measure, Measure.id == ActionItem.measure_id).where(Measure.code == code)
        .order_by(ActionItem.code)).all()
    if not items:
        return []
    linked, reflected = action_item_counts([item.id for item in items], period)
    sections = dict(db.session.execute(select(Section.id, Section.name)).all())
    return [ActionItemRow(
        item.id, item.code, item.title, sections.get(item.section_id, ""),
        ACTION_ITEM_STATUSES.get(item.status, item.status), _years(item), item.kpi,
        linked.get(item.id, 0), reflected.get(item.id, 0)) for item in items]


def _years(item: ActionItem) -> str:
    if item.start_fiscal_year and item.end_fiscal_year and item.start_fiscal_year != item.end_fiscal_year:
        return f"{item.start_fiscal_year}〜{item.end_fiscal_year}年度"
    year = item.start_fiscal_year or item.end_fiscal_year
    return f"{year}年度" if year else ""


@dataclass(frozen=True)
class SampleVoice:
    received: date
    voice_type: str
    channel: str
    text: str
    reflected: str


def sample_voices(code: str, period: Period, limit: int = 10) -> list[SampleVoice]:
    """The newest voices of a measure in ``period``, redacted (planners never read the raw text)."""
    query = _counted_in(_measure_voices(select(Voice), code), period).order_by(Voice.received_at.desc(), Voice.id.desc())
    voices = db.session.scalars(query.limit(limit)).all()
    reflections = dict(db.session.execute(select(VoiceReflection.voice_id, VoiceReflection.content).where(
        VoiceReflection.voice_id.in_([v.id for v in voices]))).all()) if voices else {}
    return [SampleVoice(
        v.received_at.astimezone(JST).date(), v.voice_type, v.channel_label,
        redact(f"{v.subject}\n{v.body}" if v.subject else v.body, known_names=[v.submitter_name]),
        redact(reflections.get(v.id, ""), known_names=[v.submitter_name])) for v in voices]


def measure_title(code: str) -> str | None:
    return db.session.scalar(select(Measure.title).where(Measure.code == code))


__all__ = [
    "DIMENSIONS",
    "FISCAL_MONTHS",
    "Period",
    "action_item_rows",
    "breakdown",
    "current_fiscal_year",
    "disclosed_breakdown",
    "fiscal_year_of",
    "fiscal_year_period",
    "matrix",
    "measure_counts",
    "month_period",
    "monthly_counts",
    "rising_terms",
    "sample_voices",
    "top_terms",
]
