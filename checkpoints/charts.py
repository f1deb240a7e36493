"""The geometry of the KPI picture: scales, ticks and positions of a small line chart, as plain numbers.

Pure functions, no database and no templates: `templates/checkpoints/_kpi_chart.html` draws what `line_chart`
returns as inline SVG (presentation attributes only, colours from CSS classes, so it passes the strict CSP).
Coordinates are SVG user units in a `WIDTH` × `HEIGHT` viewBox, y growing downwards; the page scales the
viewBox to the width of its column, so these sizes are chosen to stay legible at a phone's 390 px.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

WIDTH, HEIGHT = 360, 210
# Room for the y tick labels (left), the x tick labels (bottom) and a value label above the top point.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 20, 18, 30
PLOT_LEFT, PLOT_RIGHT = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
PLOT_TOP, PLOT_BOTTOM = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
MAX_Y_TICKS = 5
MAX_X_TICKS = 5
# Above this many points a label on each would overlap: only the latest point keeps its label (the table has all).
MAX_LABELLED_POINTS = 8
# Two reference labels closer than this (user units) are pushed apart, one above its line and one below.
LABEL_GAP = 13
MONTH_STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 60, 120)


@dataclass(frozen=True)
class Tick:
    position: float  # x (for the date axis) or y (for the value axis), in user units
    label: str
    anchor: str = "middle"  # SVG text-anchor, so that a label at either end stays inside the viewBox

    @property
    def baseline(self) -> float:
        """Where a y tick's label sits: its text's baseline a third of a line below the tick, so it reads centred."""
        return self.position + 4


@dataclass(frozen=True)
class Reference:
    """A horizontal reference line (the KPI's baseline or target): `kind` names its CSS class."""

    kind: str
    value: Decimal
    label: str
    y: float = 0.0
    label_y: float = 0.0
    # The label sits at the plot's right end; a second label crowding the first moves to the left end.
    label_x: float = PLOT_RIGHT - 2
    anchor: str = "end"


@dataclass(frozen=True)
class PlotPoint:
    on: date
    value: Decimal
    x: float
    y: float
    label: str  # the value as written on the chart ("" when left to the table)
    label_y: float
    anchor: str = "middle"
    current: bool = False


@dataclass(frozen=True)
class LineChart:
    points: list[PlotPoint]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    references: list[Reference] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = PLOT_LEFT
    right: int = PLOT_RIGHT
    top: int = PLOT_TOP
    bottom: int = PLOT_BOTTOM

    @property
    def path(self) -> str:
        """The polyline through the points in date order, as an SVG path (`d`); empty below two points."""
        if len(self.points) < 2:
            return ""
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f} {p.y:.1f}" for i, p in enumerate(self.points))

    @property
    def center_x(self) -> int:
        return (self.left + self.right) // 2

    @property
    def center_y(self) -> int:
        return (self.top + self.bottom) // 2

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def format_number(value: Decimal) -> str:
    """`value` as people write it: thousands grouped with commas, no exponent, no trailing zeros after the
    point ("98.60" → "98.6", "70.00" → "70", "-1234.5" → "-1,234.5")."""
    text = format(value, ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nice_step(span: Decimal, max_ticks: int = MAX_Y_TICKS) -> Decimal:
    """The smallest step of the form 1, 2, 2.5 or 5 × 10^k that covers `span` (> 0) in at most `max_ticks` - 1
    intervals (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990, with 2.5 added)."""
    if span <= 0:
        raise ValueError("A span to divide is positive.")
    raw = span / (max_ticks - 1)
    exponent = math.floor(math.log10(raw))
    magnitude = Decimal(10) ** exponent
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover (10 × magnitude always reaches raw)


def nice_ticks(low: Decimal, high: Decimal, max_ticks: int = MAX_Y_TICKS) -> list[Decimal]:
    """Evenly spaced round values from at or below `low` to at or above `high`, at most `max_ticks` of them
    (at least two). Equal bounds are widened first (by a tenth of their size, at least 1) so a flat series
    still gets an axis."""
    if high < low:
        low, high = high, low
    if high == low:
        pad = max(abs(low) / 10, Decimal(1))
        low, high = low - pad, high + pad
    step = nice_step(high - low, max_ticks)
    while True:
        first = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
        last = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
        count = int((last - first) / step) + 1
        if count <= max_ticks:
            break
        # Rounding both ends outwards can add an interval: take the next nice step up.
        step = nice_step(step * (max_ticks - 1) + step / 2, max_ticks)
    return [first + step * i for i in range(count)]


def _month_start(on: date) -> date:
    return on.replace(day=1)


def _add_months(on: date, months: int) -> date:
    index = on.year * 12 + on.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_ticks(start: date, end: date, max_ticks: int = MAX_X_TICKS) -> list[date]:
    """First days of months within `start`-`end` (inclusive), every 1, 2, 3, 4, 6, 12... months, the smallest
    step that keeps at most `max_ticks`; counted from `start`'s month (from the next one when `start` is not a
    first day), so a 12-month tour starting on 1 April reads April, July, October, January, April."""
    if end < start:
        start, end = end, start
    first = start if start.day == 1 else _add_months(_month_start(start), 1)
    months = (end.year - first.year) * 12 + end.month - first.month
    if months < 0:
        return []
    step = next((s for s in MONTH_STEPS if months // s + 1 <= max_ticks), MONTH_STEPS[-1])
    return [_add_months(first, n) for n in range(0, months + 1, step)]


def month_label(on: date) -> str:
    """A tick's label: "2026/4" (year/month, read the same in Japanese and English)."""
    return f"{on.year}/{on.month}"


def _scale(value: float, low: float, high: float, out_low: float, out_high: float) -> float:
    if high == low:
        return (out_low + out_high) / 2
    return out_low + (value - low) / (high - low) * (out_high - out_low)


def line_chart(
    points: Sequence[tuple[date, Decimal]],
    *,
    start: date,
    end: date,
    references: Sequence[tuple[str, Decimal, str]] = (),
    fixed_ticks: Sequence[Decimal] | None = None,
    current: date | None = None,
) -> LineChart:
    """The geometry of one chart: `points` as (date, value) pairs (any order; drawn in date order), over the
    period `start`-`end` (inclusive; widened to take in a point outside it), with horizontal `references` as
    (kind, value, label) triples (a KPI's baseline and target) and the value axis from `fixed_ticks` when given
    (ascending; the confidence scale), else from nice ticks around every point and reference.

    Every point and reference lies inside the plot area, however far a value strays: the axis widens to it
    (the table beside the chart carries the exact figures). A point dated `current` is marked as the one the
    page is about. Raises nothing for an empty `points`: the chart then has axes and references only.
    """
    ordered = sorted(points, key=lambda p: p[0])
    first = min([start, *(p[0] for p in ordered)])
    last = max([end, *(p[0] for p in ordered)])
    if fixed_ticks:
        y_values = list(fixed_ticks)
    else:
        values = [p[1] for p in ordered] + [r[1] for r in references]
        y_values = nice_ticks(min(values), max(values)) if values else nice_ticks(Decimal(0), Decimal(1))
    y_low, y_high = float(y_values[0]), float(y_values[-1])
    span_days = (last - first).days

    def x_of(on: date) -> float:
        return _scale((on - first).days, 0, span_days, PLOT_LEFT, PLOT_RIGHT)

    def y_of(value: Decimal) -> float:
        return _scale(float(value), y_low, y_high, PLOT_BOTTOM, PLOT_TOP)

    x_ticks = []
    for on in month_ticks(first, last):
        x = x_of(on)
        x_ticks.append(Tick(position=x, label=month_label(on), anchor=_anchor(x)))
    y_ticks = [Tick(position=y_of(v), label=format_number(v)) for v in y_values]
    labelled = ordered if len(ordered) <= MAX_LABELLED_POINTS else ordered[-1:]
    plotted = []
    for on, value in ordered:
        y = y_of(value)
        # The value's label sits above its point, or below it when the point touches the top of the plot.
        label_y = y - 8 if y - 8 >= PLOT_TOP else y + 16
        plotted.append(
            PlotPoint(
                on=on,
                value=value,
                x=x_of(on),
                y=y,
                label=format_number(value) if (on, value) in labelled else "",
                label_y=label_y,
                anchor=_anchor(x_of(on)),
                current=current is not None and on == current,
            )
        )
    return LineChart(points=plotted, x_ticks=x_ticks, y_ticks=y_ticks, references=_place_references(references, y_of))


def _anchor(x: float) -> str:
    """Where a label centred on `x` would spill out of the viewBox, it starts or ends at `x` instead."""
    if x > WIDTH - 26:
        return "end"
    if x < 26:
        return "start"
    return "middle"


def _place_references(references, y_of) -> list[Reference]:
    """Each reference at its value, its label just above the line at the plot's right end (below the line when
    the line runs along the top); when two labels would overlap, the second one moves to the left end.
    References with the same value share one line (the caller passes one with a combined label)."""
    placed = sorted(
        (Reference(kind=kind, value=value, label=label, y=y_of(value)) for kind, value, label in references),
        key=lambda r: r.y,
    )
    result = []
    for index, ref in enumerate(placed):
        label_y = ref.y - 4 if ref.y - 4 >= PLOT_TOP + 8 else ref.y + 12
        crowded = index > 0 and abs(ref.y - placed[index - 1].y) < LABEL_GAP
        result.append(
            Reference(
                kind=ref.kind,
                value=ref.value,
                label=ref.label,
                y=ref.y,
                label_y=label_y,
                label_x=PLOT_LEFT + 4 if crowded else PLOT_RIGHT - 2,
                anchor="start" if crowded else "end",
            )
        )
    return result
