"""Average 営業日 from receipt to answer per 部, for the public みえる化 page (rolled up + live)."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Department, MeasureRollup, Section, Voice, db
from routing.business_days import business_days_between
from voices.rollups import as_date, jst_day, watermark
from voices.stats import Period


def answer_day_rows(condition) -> dict[tuple[str, str], list[int]]:
    """{(month, 部): [answered voices, 営業日 in total]} for answered voices matching ``condition``."""
    received, answered = jst_day(Voice.received_at), jst_day(Voice.answered_at)
    rows = db.session.execute(
        select(Department.name, received, answered, func.count())
        .join(Section, Section.id == Voice.section_id).join(Department, Department.id == Section.department_id)
        .where(Voice.answered_at.is_not(None), condition).group_by(Department.name, received, answered)).all()
    totals: dict[tuple[str, str], list[int]] = {}
    for department, day_in, day_out, count in rows:
        day_in, day_out = as_date(day_in), as_date(day_out)
        spent = business_days_between(day_in, day_out)
        entry = totals.setdefault((day_in.strftime("%Y-%m"), department), [0, 0])
        entry[0] += count
        entry[1] += spent * count
    return totals


def rollup_answer_days(mark: int) -> None:
    """A hook for ``voices.rollups.refresh``: answer times of the voices up to the watermark."""
    for (month, department), (count, amount) in answer_day_rows(Voice.id <= mark).items():
        db.session.add(MeasureRollup(measure_code="", month=month, dimension="answer_days", value=department,
                                     count=count, amount=amount))


def answer_days_by_department(period: Period) -> list[tuple[str, float, int]]:
    """(部, average 営業日 from receipt to answer, voices answered) for voices received in ``period``."""
    months = period.months()
    mark = watermark()
    totals: dict[str, list[int]] = {}
    for name, count, amount in db.session.execute(
            select(MeasureRollup.value, func.sum(MeasureRollup.count), func.sum(MeasureRollup.amount))
            .where(MeasureRollup.measure_code == "", MeasureRollup.dimension == "answer_days",
                   MeasureRollup.month.in_(months)).group_by(MeasureRollup.value)):
        totals[name] = [int(count), int(amount)]
    start, end = period.bounds
    live = answer_day_rows((Voice.id > mark) & (Voice.received_at >= start) & (Voice.received_at < end))
    for (_, name), (count, amount) in live.items():
        entry = totals.setdefault(name, [0, 0])
        entry[0] += count
        entry[1] += amount
    order = dict(db.session.execute(select(Department.name, Department.sort_order)).all())
    return [(name, round(amount / count, 1), count)
            for name, (count, amount) in sorted(totals.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
            if count]
