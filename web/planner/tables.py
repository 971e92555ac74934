"""Every dashboard table as data: the pages render these and the exports write the same rows."""
from __future__ import annotations

from flask import current_app

from voices import disclosure, stats
from voices.exports import Table
from web.filters import fiscal_label, jp_date

REPORT_TERM_SAMPLE = 500  # 21 measures in one report: a smaller sample of the newest voices per measure


def matrix_table(period: stats.Period) -> Table:
    m = stats.matrix(period)
    rows = [[cell.code, name_means, name_stance, cell.title, cell.count]
            for (mi, si), cell in sorted(m.cells.items())
            for name_means in [dict(m.means)[mi]] for name_stance in [dict(m.stances)[si]]]
    return Table(f"改革項目別件数 {period.label}", ["項目コード", "推進手段", "基本姿勢", "個別項目", "件数"], rows)


def trend_years(year: int) -> list[int]:
    return [year - 2, year - 1, year]


def trend_table(code: str | None, year: int, series: dict[int, list[int]] | None = None) -> Table:
    series = series if series is not None else stats.monthly_counts(code, trend_years(year))
    headers = ["年度", *[f"{m}月" for m in stats.FISCAL_MONTHS], "合計"]
    rows = [[fiscal_label(y), *values, sum(values)] for y, values in series.items()]
    return Table(f"月別件数 {code or '全体'}", headers, rows)


def min_cell() -> int:
    """The smallest count a breakdown by 地区 or 年代 shows (``MIRAI_MIN_CELL``)."""
    return current_app.config.get("MIN_CELL", disclosure.DEFAULT_MINIMUM)


def breakdown_table(code: str, period: stats.Period, dimension: str) -> Table:
    """A measure's breakdown with small counts withheld (voices.disclosure) and, if any are, their legend."""
    label, minimum = stats.DIMENSIONS[dimension], min_cell()
    rows = [list(r) for r in stats.disclosed_breakdown(code, period, dimension, minimum)]
    notes = disclosure.legend(minimum) if any(isinstance(r[1], disclosure.Withheld) for r in rows) else []
    return Table(f"{label}別 {code}", [label, "件数"], rows, notes)


def terms_table(code: str, period: stats.Period) -> Table:
    rows = [[t.term, t.current, t.previous, t.ratio] for t in stats.rising_terms(code, period)]
    return Table(f"増えている語 {code}", ["語", "今期の件数", "前期の件数", "増加率（件数比）"], rows)


def action_items_table(code: str, period: stats.Period | None = None) -> Table:
    rows = [[a.code, a.title, a.section, a.years, a.status, a.kpi, a.voices, a.reflected]
            for a in stats.action_item_rows(code, period)]
    return Table(f"アクションプラン {code}",
                 ["項目番号", "取組名", "担当課", "実施年度", "状況", "KPI", "関連する声", "反映済"], rows)


def samples_table(code: str, period: stats.Period, limit: int = 20) -> Table:
    rows = [[s.received.isoformat(), jp_date(s.received), s.voice_type, s.channel, s.text, s.reflected]
            for s in stats.sample_voices(code, period, limit)]
    return Table(f"声の例 {code}", ["受付日（西暦）", "受付日（和暦）", "種別", "受付経路", "内容（個人情報は削除）",
                                      "反映内容"], rows)


def measure_tables(code: str, period: stats.Period, year: int,
                   trend: dict[int, list[int]] | None = None) -> dict[str, Table]:
    """All tables of one measure page, keyed by their export name."""
    tables = {"trend": trend_table(code, year, trend)}
    for dimension in stats.DIMENSIONS:
        tables[f"breakdown-{dimension}"] = breakdown_table(code, period, dimension)
    tables["terms"] = terms_table(code, period)
    tables["action-items"] = action_items_table(code, period)
    tables["samples"] = samples_table(code, period)
    return tables


def report_tables(year: int) -> list[Table]:
    """The 行政改革懇談会 report of a 年度 as tables (the XLSX version of the printable page)."""
    period = stats.fiscal_year_period(year)
    tables = [matrix_table(period), trend_table(None, year)]
    for code in sorted(stats.measure_counts(period)):
        tables.append(Table(f"{code} 主な語", ["語", "件数"], [list(t) for t in stats.top_terms(code, period, sample=REPORT_TERM_SAMPLE)]))
        tables.append(action_items_table(code, period))
        tables.append(samples_table(code, period, limit=3))
    return tables
