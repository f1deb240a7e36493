"""The geometry of the HR dashboard's charts (`hr_insights.Chart`): bars and lines as plain numbers for inline SVG.

Pure functions, no database: `templates/alliance/hr/_chart.html` draws what `draw` returns with presentation
attributes and CSS classes only (the strict CSP allows no inline style). Coordinates are SVG user units in a
`WIDTH` × `HEIGHT` viewBox, y growing downwards; the page scales it to its column, legible down to a phone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from alliance.hr_insights import Chart

WIDTH, HEIGHT = 480, 250
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 12, 16, 64
PLOT_LEFT, PLOT_RIGHT = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
PLOT_TOP, PLOT_BOTTOM = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
Y_TICKS = 4
LABEL_CHARS = 10  # a category label longer than this is cut on the axis (the table beside it has it whole)
SERIES_CLASSES = 6  # series colours cycle through .hr-series-0 ... -5 (static/css/alliance.css)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str  # the bar's tooltip: label, series and value


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    series: int
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str

    @property
    def baseline(self) -> float:
        return self.position + 4


@dataclass
class Drawing:
    """What the template draws: axes, bars or polylines with their points, a legend, and the text alternative."""

    chart: Chart
    uid: str = "chart"
    view_box: str = f"0 0 {WIDTH} {HEIGHT}"
    left: float = PLOT_LEFT
    right: float = PLOT_RIGHT
    top: float = PLOT_TOP
    bottom: float = PLOT_BOTTOM
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    lines: list[tuple[int, str]] = field(default_factory=list)  # (series, SVG polyline points)
    points: list[Point] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)
    description: str = ""
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # the table beside it: label, one cell a series

    @property
    def label_y(self) -> float:
        return self.bottom + 14

    @property
    def has_data(self) -> bool:
        return bool(self.bars or self.points)

    def table_body(self) -> SafeString:
        """The table's <tr> rows (alliance/hr/_chart.html): see _table_body."""
        return _table_body(self)

    def svg(self) -> SafeString:
        """The picture as inline SVG markup (escaped; classes and presentation attributes only, for the strict CSP):
        built here rather than by template loops, which cost a large share of the HR dashboard's rendering for
        its dozen charts. Numbers are written unlocalised (as `{% localize off %}` would): SVG wants "12.5"."""
        uid = self.uid
        parts = [
            format_html(
                '<svg class="chart-svg hr-chart-svg" viewBox="{}" role="img" aria-labelledby="{}-title" '
                'aria-describedby="{}-desc" focusable="false">\n<desc id="{}-desc">{}</desc>\n',
                self.view_box,
                uid,
                uid,
                uid,
                self.description,
            ),
            format_html_join(
                "",
                '<line class="hr-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>\n'
                '<text class="hr-tick" x="{}" y="{}" text-anchor="end">{}</text>\n',
                (
                    (self.left, self.right, t.position, t.position, _add(self.left, -4), t.baseline, t.label)
                    for t in self.y_ticks
                ),
            ),
            format_html(
                '<line class="hr-axis" x1="{}" x2="{}" y1="{}" y2="{}"/>\n',
                self.left,
                self.right,
                self.bottom,
                self.bottom,
            ),
            format_html_join(
                "",
                '<text class="hr-tick" x="{}" y="{}" text-anchor="end" transform="rotate(-35 {} {})">{}</text>\n',
                ((t.position, self.label_y, t.position, self.label_y, t.label) for t in self.x_ticks),
            ),
            format_html_join(
                "",
                '<rect class="hr-bar hr-series-{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
                ((b.series, b.x, b.y, b.width, b.height, b.title) for b in self.bars),
            ),
            format_html_join("", '<polyline class="hr-line hr-series-{}" points="{}"/>', self.lines),
            format_html_join(
                "",
                '<circle class="hr-point hr-series-{}" cx="{}" cy="{}" r="3.5"><title>{}</title></circle>',
                ((p.series, p.x, p.y, p.title) for p in self.points),
            ),
        ]
        if not self.has_data:
            parts.append(
                format_html(
                    '<text class="chart-empty-text" x="{}" y="{}" text-anchor="middle">{}</text>',
                    round(self.right / 2),
                    round(self.bottom / 2),
                    _("No figures in this period"),
                )
            )
        parts.append("\n</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is format_html output or a literal


def _table_body(drawing: Drawing) -> SafeString:
    """The rows of the table beside a chart as HTML (escaped), exactly as the template's loops wrote them: one
    row a label with a cell a series, or one row saying there is no figure. Built here for the same reason as the
    SVG: the template loops over a dozen charts' rows and cells were a large share of the page's rendering."""
    if not drawing.rows:
        return format_html('<tr><td colspan="{}">{}</td></tr>', len(drawing.legend) + 1, _("No figures in this period"))
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (label, format_html_join("", '<td class="num">{}</td>', ((cell,) for cell in cells)))
            for label, cells in drawing.rows
        ),
    )


def _add(value, number: int):
    """`value` + `number` as the template filter `add` wrote it (whole numbers when both are)."""
    try:
        return int(value) + number
    except (TypeError, ValueError):
        return value + number


def _nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ step multiple (Y_TICKS steps) at or above `value`; at least 1."""
    if value <= 0:
        return 1
    raw = value / Y_TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= raw:
            return step * magnitude * Y_TICKS
    return 10 * magnitude * Y_TICKS


def format_value(value, unit: str = "") -> str:
    """A figure as the page shows it: localised grouping, one decimal for fractions, the unit after it."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        text = number_format(round(value, 1), 1, use_l10n=True, force_grouping=True)
    else:
        text = number_format(int(value), 0, use_l10n=True, force_grouping=True)
    return f"{text}{unit}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def draw(chart: Chart, *, uid: str = "chart") -> Drawing:
    """The SVG geometry of `chart` (bars grouped by label, or one polyline a series, gaps where a value is None),
    its legend, the rows of the table beside it, and a sentence giving every figure (the picture's text
    alternative). Values must be ≥ 0; `uid` prefixes the element ids (unique on the page)."""
    drawing = Drawing(chart=chart, uid=uid)
    labels = [str(label) for label in chart.labels]
    series = [(str(name), list(values)) for name, values in chart.series]
    drawing.legend = [(index % SERIES_CLASSES, name) for index, (name, _values) in enumerate(series)]
    drawing.rows = [
        (label, [format_value(values[i] if i < len(values) else None, chart.unit) for _name, values in series])
        for i, label in enumerate(labels)
    ]
    present = [v for _name, values in series for v in values if v is not None]
    top = _nice_max(max(present, default=0))
    if all(float(v).is_integer() for v in present):
        # Counts: whole-number ticks (0, 1, 2, 3, 4 rather than 0.25 steps when every bar is 0 or 1).
        top = max(top, Y_TICKS)
    plot_height = PLOT_BOTTOM - PLOT_TOP
    step = top / Y_TICKS
    for i in range(Y_TICKS + 1):
        value = step * i
        y = PLOT_BOTTOM - plot_height * value / top
        drawing.y_ticks.append(Tick(round(y, 1), format_value(value if not value.is_integer() else int(value))))

    count = max(len(labels), 1)
    group = (PLOT_RIGHT - PLOT_LEFT) / count
    # Thin out the x labels so that at most about 12 are written (months of two years, many managers).
    every = max(1, math.ceil(count / 12))
    for i, label in enumerate(labels):
        if i % every == 0:
            drawing.x_ticks.append(Tick(round(PLOT_LEFT + group * (i + 0.5), 1), _short(label)))

    def y_of(value) -> float:
        return round(PLOT_BOTTOM - plot_height * value / top, 1)

    if chart.kind == "line":
        for s, (name, values) in enumerate(series):
            run: list[str] = []
            for i, value in enumerate(values[: len(labels)]):
                if value is None:
                    if len(run) > 1:
                        drawing.lines.append((s % SERIES_CLASSES, " ".join(run)))
                    run = []
                    continue
                x, y = round(PLOT_LEFT + group * (i + 0.5), 1), y_of(value)
                run.append(f"{x},{y}")
                title = f"{labels[i]} · {name}: {format_value(value, chart.unit)}"
                drawing.points.append(Point(x, y, s % SERIES_CLASSES, title))
            if len(run) > 1:
                drawing.lines.append((s % SERIES_CLASSES, " ".join(run)))
    else:
        inner = group * 0.8
        width = inner / max(len(series), 1)
        for s, (name, values) in enumerate(series):
            for i, value in enumerate(values[: len(labels)]):
                if value is None:
                    continue
                y = y_of(value)
                drawing.bars.append(
                    Bar(
                        x=round(PLOT_LEFT + group * i + group * 0.1 + width * s, 1),
                        y=y,
                        width=round(max(width - 1, 1), 1),
                        height=round(PLOT_BOTTOM - y, 1),
                        series=s % SERIES_CLASSES,
                        title=f"{labels[i]} · {name}: {format_value(value, chart.unit)}",
                    )
                )
    parts = []
    for name, values in series:
        cells = ", ".join(
            f"{label} {format_value(values[i] if i < len(values) else None, chart.unit)}"
            for i, label in enumerate(labels)
        )
        parts.append(f"{name}: {cells}")
    kind = _("Line chart") if chart.kind == "line" else _("Bar chart")
    drawing.description = f"{kind}. " + "; ".join(parts) if labels else _("No figures yet.")
    return drawing
