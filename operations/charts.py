"""Charts drawn on the server as SVG, so the dashboard reads without JavaScript.

Each chart is an image with a title and a description that says its latest figures in words,
and its lines differ by dash as well as by colour, so that neither colour vision nor a screen
is needed to read it. Colours are from the GOV.UK palette, each 3:1 or more against white.
"""

import datetime
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
PALETTE = ["#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#b35900", "#505a5f", "#912b88"]
DASHES = ["", "6 3", "2 3", "10 3 2 3", "1 2", "12 4", "4 4"]


@dataclass(frozen=True)
class Line:
    label: str
    values: list[float | None]  # one per x; None leaves a gap
    colour: str = ""
    dash: str = ""

    @property
    def latest(self) -> float | None:
        return next((value for value in reversed(self.values) if value is not None), None)


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2f}".rstrip("0").rstrip(".")


def _nice_ceiling(value: float) -> float:
    """A round number at or above `value` for the top of the axis."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value))) / 10 if value >= 1 else 1.0
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(
    *, title: str, unit: str, starts: list[float], lines: list[Line], chart_id: str
) -> SafeString:
    """Lines over time (`starts`: Unix seconds of each point, oldest first)."""
    lines = [
        Line(line.label, line.values, line.colour or PALETTE[i % len(PALETTE)],
             line.dash or DASHES[i % len(DASHES)])
        for i, line in enumerate(lines)
    ]  # fmt: skip
    top = _nice_ceiling(max((v for line in lines for v in line.values if v is not None), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(starts) - 1, 1)

    def x(i: int) -> float:
        return LEFT + plot_w * i / count

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid"/>'
        '<text x="{}" y="{}" class="axis" text-anchor="end">{}</text>',
        ((LEFT, WIDTH - RIGHT, f"{y(top * f):.1f}", f"{y(top * f):.1f}", LEFT - 6,
          f"{y(top * f) + 4:.1f}", _number(top * f)) for f in (0, 0.5, 1)),
    )  # fmt: skip
    ticks = []
    if starts:
        span = starts[-1] - starts[0] + (starts[1] - starts[0] if len(starts) > 1 else 0)
        for quarter in (4, 3, 2, 1, 0):
            minutes_ago = round(span / 60 * quarter / 4, 1)
            i = round(count * (1 - quarter / 4))
            if 0 <= i <= count:
                label = "now" if minutes_ago == 0 else f"−{minutes_ago:g} min"
                ticks.append((f"{x(i):.1f}", HEIGHT - 8, label))
    tick_marks = format_html_join(
        "", '<text x="{}" y="{}" class="axis" text-anchor="middle">{}</text>', ticks
    )
    paths = format_html_join(
        "",
        '<path d="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}"/>',
        ((_path(line.values, x, y), line.colour, line.dash) for line in lines),
    )
    described = "; ".join(
        f"{line.label} {_number(line.latest)} {unit}" if line.latest is not None
        else f"{line.label} no figure"
        for line in lines
    )  # fmt: skip
    latest = datetime.datetime.fromtimestamp(starts[-1]).strftime("%H:%M:%S") if starts else "never"
    svg = format_html(
        '<svg viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{}-t {}-d" '
        'class="chart"><title id="{}-t">{}</title><desc id="{}-d">Latest, at {}: {}.</desc>'
        "{}{}{}</svg>",
        WIDTH, HEIGHT, chart_id, chart_id, chart_id, title, chart_id, latest, described,
        grid, tick_marks, paths,
    )  # fmt: skip
    legend = format_html_join(
        "",
        '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
        'stroke="{}" stroke-width="3" stroke-dasharray="{}"/></svg> {}: <strong>{}</strong></li>',
        (
            (line.colour, line.dash, line.label,
             f"{_number(line.latest)} {unit}" if line.latest is not None else "none")
            for line in lines
        ),
    )  # fmt: skip
    return format_html('{}<ul class="legend">{}</ul>', svg, legend)


def _path(values: list[float | None], x: object, y: object) -> str:
    """SVG path data through the points, lifting the pen over gaps (None)."""
    parts, pen_down = [], False
    for i, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x(i):.1f},{y(value):.1f}")  # type: ignore[operator]
        pen_down = True
    return " ".join(parts)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    total: float


def bar_chart(*, title: str, bars: list[Bar], chart_id: str) -> SafeString:
    """Horizontal bars, each a share of its own total (places left of places offered)."""
    row, label_w, width = 22, 170, WIDTH
    height = max(len(bars), 1) * row + 8
    plot_w = width - label_w - 250
    rows = []
    for i, bar in enumerate(bars):
        share = bar.value / bar.total if bar.total else 0.0
        top = 4 + i * row
        rows.append(
            format_html(
                '<text x="{}" y="{}" class="axis" text-anchor="end">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="14" class="track"/>'
                '<rect x="{}" y="{}" width="{}" height="14" fill="{}"/>'
                '<text x="{}" y="{}" class="axis">{} of {} ({})</text>',
                label_w - 8,
                top + 12,
                bar.label,
                label_w,
                top,
                plot_w,
                label_w,
                top,
                f"{plot_w * share:.1f}",
                PALETTE[0] if share > 0.1 else PALETTE[1],
                label_w + plot_w + 6,
                top + 12,
                f"{bar.value:,.0f}",
                f"{bar.total:,.0f}",
                f"{share:.0%}",
            )
        )
    described = "; ".join(f"{bar.label} {bar.value:,.0f} of {bar.total:,.0f}" for bar in bars)
    return format_html(
        '<svg viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{}-t {}-d" '
        'class="chart"><title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}</svg>',
        width, height, chart_id, chart_id, chart_id, title, chart_id,
        described or "No places offered", mark_safe("".join(rows)),  # noqa: S308 (each row built by format_html)
    )  # fmt: skip
