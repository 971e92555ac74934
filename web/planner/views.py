"""Thin planner views: parse the period, ask voices.stats (through the tables), render or export."""
from __future__ import annotations

import re
from datetime import datetime

from flask import Response, abort, flash, render_template, request, url_for
from flask_login import current_user

from voices import stats
from voices.dates import parse_month_text
from voices.exports import ENCODINGS, Table, csv_content_type, record_export, to_csv, to_xlsx
from web.planner import bp, charts, tables

# The years the dashboards can show: far outside, dates overflow (9999-12 has no next month, 0001 no UTC).
FIRST_YEAR, LAST_YEAR = 2000, 2100
BAD_MONTHS = "開始月と終了月は「2025-04」や「2025年4月」のように入力してください。{label}を表示しています。"


def _clamped_year(year: int) -> int:
    return max(FIRST_YEAR, min(LAST_YEAR, year))


def _period_from_request() -> tuple[stats.Period, int, dict[str, str], str]:
    """The chosen 年度 (``year``) or month range (``from``/``to``, as typed where a browser has no month
    picker; one end alone is that month); defaults to this 年度. The last item is a message when the months
    typed could not be read (the 年度 is shown then)."""
    typed = [request.args.get(name, "").strip() for name in ("from", "to")]
    if any(typed):
        first, last = (parse_month_text(text or typed[1 - i]) for i, text in enumerate(typed))
        if first and last:
            first, last = (day.replace(year=_clamped_year(day.year)) for day in (first, last))
            if last < first:
                first, last = last, first
            period = stats.month_period(first, last)
            return period, stats.fiscal_year_of(last), {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}, ""
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        year = stats.current_fiscal_year()
    year = _clamped_year(year)
    period = stats.fiscal_year_period(year)
    problem = BAD_MONTHS.format(label=tables.fiscal_label(year)) if any(typed) else ""
    return period, year, {"year": str(year)}, problem


def _page_period() -> tuple[stats.Period, int, dict[str, str]]:
    """``_period_from_request`` for a page: a problem with the months is shown on it."""
    period, year, args, problem = _period_from_request()
    if problem:
        flash(problem, "error")
    return period, year, args


def _period_label(period: stats.Period, year: int, args: dict[str, str]) -> str:
    return tables.fiscal_label(year) if "year" in args else period.label


def _year_choices(selected: int) -> list[int]:
    current = stats.current_fiscal_year()
    return sorted({*range(current - 5, current + 1), selected}, reverse=True)


@bp.get("/")
def index():
    """The 7 × 3 matrix of measures coloured by voice count."""
    period, year, args = _page_period()
    matrix = stats.matrix(period)
    return render_template("planner/index.html", matrix=matrix, period=period, year=year, args=args,
                           label=_period_label(period, year, args), years=_year_choices(year),
                           heat_class=charts.heat_class)


def _measure_or_404(code: str) -> str:
    code = code.upper()
    title = stats.measure_title(code)
    if title is None:
        abort(404)
    return code


@bp.get("/measures/<code>")
def measure(code: str):
    """One measure: monthly trend over 年度, breakdowns, rising terms, action items, redacted voices."""
    code = _measure_or_404(code)
    period, year, args = _page_period()
    trend = stats.monthly_counts(code, tables.trend_years(year))
    data = tables.measure_tables(code, period, year, trend)
    trend_chart = charts.line_chart({tables.fiscal_label(y): v for y, v in trend.items()},
                                    title=f"{code}の月別件数（{len(trend)}年度分）")
    breakdown_charts = {
        dim: charts.bar_chart([(r[0], r[1]) for r in data[f"breakdown-{dim}"].rows], title=f"{label}別の件数")
        for dim, label in stats.DIMENSIONS.items()
    }
    return render_template("planner/measure.html", code=code, title=stats.measure_title(code), period=period,
                           year=year, args=args, label=_period_label(period, year, args), tables=data,
                           trend_chart=trend_chart, breakdown_charts=breakdown_charts, dimensions=stats.DIMENSIONS,
                           years=_year_choices(year), min_cell=tables.min_cell())


def _download(table_or_tables: Table | list[Table], filename: str, fmt: str) -> Response:
    if fmt == "xlsx":
        body = to_xlsx(table_or_tables)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        encoding = request.args.get("enc", "utf-8-sig")
        if encoding not in ENCODINGS:
            abort(400)
        body = to_csv(table_or_tables, encoding)
        content_type = csv_content_type(encoding)
    else:
        abort(404)
    record_export(current_user, filename, fmt, encoding=request.args.get("enc", "utf-8-sig") if fmt == "csv" else "")
    response = Response(body, content_type=content_type)
    ascii_name = re.sub(r"[^A-Za-z0-9_.-]", "_", filename)
    response.headers["Content-Disposition"] = f'attachment; filename="{ascii_name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export/matrix.<fmt>")
def export_matrix(fmt: str):
    period, _year, args, _problem = _period_from_request()
    return _download(tables.matrix_table(period), f"matrix_{'_'.join(args.values())}", fmt)


@bp.get("/measures/<code>/export/<name>.<fmt>")
def export_measure_table(code: str, name: str, fmt: str):
    """One table of a measure page (trend, breakdown-*, terms, action-items, samples) or ``all``."""
    code = _measure_or_404(code)
    period, year, args, _problem = _period_from_request()
    data = tables.measure_tables(code, period, year)
    if name == "all":
        return _download(list(data.values()), f"{code}_{'_'.join(args.values())}", fmt)
    if name not in data:
        abort(404)
    return _download(data[name], f"{code}_{name}_{'_'.join(args.values())}", fmt)


@bp.get("/report")
def report():
    """The printable (A4) report of a 年度 for the 行政改革懇談会."""
    _, year, _ = _page_period()
    period = stats.fiscal_year_period(year)
    counts = stats.measure_counts(period)
    previous = stats.measure_counts(period.previous())
    measures = []
    for code in sorted(counts):
        trend = stats.monthly_counts(code, [year])[year]
        measures.append({
            "code": code, "title": stats.measure_title(code), "count": counts[code],
            "previous": previous.get(code, 0), "trend": trend,
            "chart": charts.line_chart({tables.fiscal_label(year): trend}, title=f"{code}の月別件数", height=200),
            "terms": stats.top_terms(code, period, sample=tables.REPORT_TERM_SAMPLE),
            "action_items": stats.action_item_rows(code, period),
            "samples": stats.sample_voices(code, period, limit=3),
        })
    return render_template("planner/report.html", year=year, label=tables.fiscal_label(year),
                           matrix=stats.matrix(period), measures=measures, heat_class=charts.heat_class,
                           months=charts.MONTH_LABELS, years=_year_choices(year), today=datetime.now(stats.JST).date())


@bp.get("/report.xlsx")
def report_xlsx():
    _, year, _, _ = _period_from_request()
    return _download(tables.report_tables(year), f"report_{year}", "xlsx")


def export_links(code: str | None, name: str, args: dict[str, str]) -> dict[str, str]:
    """URLs of the CSV (UTF-8 BOM), CSV (CP932) and XLSX downloads of one table."""
    if code is None:
        base = lambda fmt, **extra: url_for("planner.export_matrix", fmt=fmt, **args, **extra)
    else:
        base = lambda fmt, **extra: url_for("planner.export_measure_table", code=code, name=name,
                                            fmt=fmt, **args, **extra)
    return {"csv": base("csv"), "cp932": base("csv", enc="cp932"), "xlsx": base("xlsx")}


@bp.app_template_global("planner_export_links")
def _planner_export_links(code, name, args):
    return export_links(code, name, args)
