"""Thin public views over voices.stats and voices.publication."""
from __future__ import annotations

from flask import render_template, request

from routing.answer_times import answer_days_by_department
from voices import stats
from voices.publication import published_voices
from web.filters import fiscal_label
from web.pagination import page_arg
from web.planner import charts
from web.transparency import bp

PAGE_SIZE = 20


@bp.get("/")
def index():
    """Per-measure counts and trends, average 営業日 to answer per 部, and published voices with answers."""
    current = stats.current_fiscal_year()
    try:
        year = max(current - 10, min(current, int(request.args.get("year", current))))
    except ValueError:
        year = current
    period = stats.fiscal_year_period(year)
    matrix = stats.matrix(period)
    previous = stats.measure_counts(period.previous())
    rows = sorted(matrix.cells.values(), key=lambda c: c.code)
    monthly = stats.monthly_counts(None, [year - 1, year])
    chart = charts.line_chart({fiscal_label(y): v for y, v in monthly.items()},
                              title=f"市民の声の月別件数（{fiscal_label(year - 1)}と{fiscal_label(year)}）")
    page = page_arg()
    voices, total = published_voices(PAGE_SIZE, (page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:  # a page past the end (an old link, a typed number) shows the last one
        page = pages
        voices, total = published_voices(PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render_template(
        "transparency/index.html", year=year, label=fiscal_label(year), years=range(current, current - 5, -1),
        rows=rows, previous=previous, total=matrix.total, monthly=monthly, chart=chart, months=charts.MONTH_LABELS,
        answer_days=answer_days_by_department(period), voices=voices,
        page=page, pages=pages, published_total=total,
        by_measure=stats.monthly_counts_by_measure(year),
    )
