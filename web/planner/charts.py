"""Server-side SVG charts (no scripts, no inline styles: colours are attributes or CSS classes).

Every chart is ``role="img"`` with a text summary; the page shows the same numbers as a table.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from voices.disclosure import Withheld

SERIES_COLOURS = ("#005a9c", "#b34700", "#2e7d32", "#6a1b9a", "#c62828", "#37474f")
MONTH_LABELS = ("4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月")


def heat_class(count: int, maximum: int) -> str:
    """A CSS class heat-0 … heat-5 for a matrix cell."""
    if count <= 0 or maximum <= 0:
        return "heat-0"
    return f"heat-{min(5, 1 + int(4 * count / maximum + 0.5))}"


def _axis(maximum: int) -> tuple[int, int]:
    """(number of gridline steps, count per step) for a count axis: whole numbers only, so a month with
    1 voice is not drawn against gridlines labelled 0, 0, 1, 1 (at most 4 steps)."""
    if maximum <= 4:
        return max(maximum, 1), 1
    return 4, -(-maximum // 4)


def line_chart(series: dict[str, list[int]], labels=MONTH_LABELS, title: str = "", width: int = 640,
               height: int = 260) -> Markup:
    """One line per series (e.g. per 年度) over the 12 months of a 年度."""
    left, right, top, bottom = 44, 12, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks, tick_step = _axis(max((v for values in series.values() for v in values), default=0))
    maximum = ticks * tick_step
    step = plot_w / max(len(labels) - 1, 1)
    parts = [(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">')]
    for i in range(ticks + 1):
        y = top + plot_h - plot_h * i / ticks
        value = tick_step * i
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#d0d0d0"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#333">{value}</text>')
    for i, label in enumerate(labels):
        x = left + step * i
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11" fill="#333">'
                     f'{escape(label)}</text>')
    for n, (name, values) in enumerate(series.items()):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        points = " ".join(f"{left + step * i:.1f},{top + plot_h - plot_h * v / maximum:.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for i, v in enumerate(values):
            parts.append(f'<circle cx="{left + step * i:.1f}" cy="{top + plot_h - plot_h * v / maximum:.1f}" r="3" '
                         f'fill="{colour}"/>')
        lx = left + 200 * n
        parts.append(f'<rect x="{lx}" y="{height - 18}" width="14" height="4" fill="{colour}"/>'
                     f'<text x="{lx + 18}" y="{height - 12}" font-size="12" fill="#1a1a1a">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(rows: list[tuple[str, int | Withheld]], title: str = "", width: int = 420, bar: int = 20) -> Markup:
    """Horizontal bars, one per row (label, count); a withheld count has no bar, only its text (「3未満」)."""
    rows = rows[:15]
    label_w, right = 150, 50
    height = max(len(rows), 1) * (bar + 6) + 8
    maximum = max((c for _, c in rows if isinstance(c, int)), default=0) or 1
    parts = [(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">')]
    for i, (label, count) in enumerate(rows):
        y = 4 + i * (bar + 6)
        w = (width - label_w - right) * count / maximum if isinstance(count, int) else 0
        parts.append(f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end" font-size="13" fill="#1a1a1a">'
                     f'{escape(label if len(label) <= 10 else label[:9] + "…")}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="#005a9c"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar - 5}" font-size="13" fill="#1a1a1a">{count}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
