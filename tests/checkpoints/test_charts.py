"""The KPI picture: the chart geometry (checkpoints.charts, pure), the picture of a tour (checkpoints.selectors:
KPIs matched across amended versions, visibility, a bounded number of queries), and its rendering (well-formed
SVG whose figures are the table's)."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from django.utils.formats import date_format

from agreements import services as agreement_services
from checkpoints import charts, selectors
from checkpoints.models import Checkpoint, CheckpointStatus, KpiMeasurement
from tests.agreements.conftest import KPI

START, END = date(2031, 5, 1), date(2032, 4, 30)


def _inside(chart: charts.LineChart, x: float, y: float) -> bool:
    return chart.left - 0.01 <= x <= chart.right + 0.01 and chart.top - 0.01 <= y <= chart.bottom + 0.01


REFS = [("baseline", D("90"), "Baseline 90"), ("target", D("30"), "Target 30")]


def _series(*values, step=90):
    return [(START + timedelta(days=step * (i + 1)), D(v)) for i, v in enumerate(values)]


# Each case: points, references, what must hold beyond the invariants checked for all.
CASES = {
    "no measurement yet": (_series(), REFS, {"points": 0, "path": ""}),
    "one measurement": (_series("70"), REFS, {"points": 1, "path": "", "labelled": 1}),
    "many measurements": (_series("80", "70", "55", "40"), REFS, {"points": 4, "labelled": 4}),
    "more points than labels fit": (_series(*range(60, 40, -1), step=17), REFS, {"points": 20, "labelled": 1}),
    "negative values": (
        _series("-12.5", "-3", "4"),
        [("baseline", D("-20"), "Baseline -20"), ("target", D("5"), "Target 5")],
        {"points": 3, "lowest_tick_at_most": D("-20")},
    ),
    "baseline equal to the target": (
        _series("10", "10"),
        [("target", D("10"), "Baseline = target 10")],
        {"points": 2, "references": 1},
    ),
    "a value far outside the span": (_series("70", "100000"), REFS, {"points": 2, "highest_tick_at_least": D(100000)}),
    "a flat series with no reference": (_series("5", "5"), [], {"points": 2, "references": 0}),
    "values held outside the tour's period": (
        [(START - timedelta(days=20), D("85")), (END + timedelta(days=40), D("35"))],
        REFS,
        {"points": 2},
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_every_point_and_reference_lies_inside_the_plot_on_nice_ticks(name):
    points, references, expected = CASES[name]
    chart = charts.line_chart(points, start=START, end=END, references=references)
    assert len(chart.points) == expected["points"]
    for point in chart.points:
        assert _inside(chart, point.x, point.y), (point, chart)
        assert point.label in ("", charts.format_number(point.value))
    for ref in chart.references:
        assert _inside(chart, chart.left, ref.y)
        assert chart.top <= ref.label_y <= chart.bottom + 14
    assert [p.on for p in chart.points] == sorted(p.on for p in chart.points)
    # The value axis: 2 to 5 ticks, increasing values drawn upwards, covering every point and reference.
    values = [D(t.label.replace(",", "")) for t in chart.y_ticks]
    assert 2 <= len(values) <= charts.MAX_Y_TICKS
    assert values == sorted(values) and [t.position for t in chart.y_ticks] == sorted(
        (t.position for t in chart.y_ticks), reverse=True
    )
    covered = [p.value for p in chart.points] + [r.value for r in chart.references]
    assert all(values[0] <= v <= values[-1] for v in covered)
    # The date axis: month starts in order, inside the plot, each label within the viewBox.
    assert 1 <= len(chart.x_ticks) <= charts.MAX_X_TICKS
    assert all(chart.left <= t.position <= chart.right for t in chart.x_ticks)
    if "path" in expected:
        assert chart.path == expected["path"]
    else:
        assert chart.path.startswith("M") and chart.path.count("L") == len(chart.points) - 1
    if "labelled" in expected:
        labelled = [p for p in chart.points if p.label]
        assert len(labelled) == expected["labelled"]
        assert labelled[-1] is chart.points[-1]  # the latest value always keeps its label
    if "references" in expected:
        assert len(chart.references) == expected["references"]
    if "lowest_tick_at_most" in expected:
        assert values[0] <= expected["lowest_tick_at_most"]
    if "highest_tick_at_least" in expected:
        assert values[-1] >= expected["highest_tick_at_least"]


def test_a_lower_is_better_kpi_draws_its_target_below_its_baseline_and_close_labels_apart():
    chart = charts.line_chart(_series("70"), start=START, end=END, references=REFS)
    baseline, target = (next(r for r in chart.references if r.kind == k) for k in ("baseline", "target"))
    assert target.y > baseline.y  # lower value, lower on the page
    close = charts.line_chart(
        _series("0", "100"), start=START, end=END, references=[("baseline", D("50"), "B"), ("target", D("51"), "T")]
    )
    first, second = close.references
    assert abs(first.y - second.y) < charts.LABEL_GAP
    assert {first.anchor, second.anchor} == {"start", "end"}  # one label at each end of the plot


def test_the_confidence_scale_is_fixed_and_the_current_checkpoint_is_marked():
    on = START + timedelta(days=90)
    chart = charts.line_chart(
        [(on, D(7)), (on + timedelta(days=90), D(4))],
        start=START,
        end=END,
        fixed_ticks=selectors.CONFIDENCE_TICKS,
        current=on,
    )
    assert [t.label for t in chart.y_ticks] == ["0", "2", "4", "6", "8", "10"]
    assert [p.current for p in chart.points] == [True, False]


@pytest.mark.parametrize(
    "low, high, ticks",
    [
        ("97.5", "99.9", ["97", "98", "99", "100"]),
        ("30", "90", ["20", "40", "60", "80", "100"]),
        ("0", "1", ["0", "0.25", "0.5", "0.75", "1"]),
        ("-12.5", "5", ["-15", "-10", "-5", "0", "5"]),
        ("10", "10", ["9", "9.5", "10", "10.5", "11"]),
        ("-3", "1000", ["-500", "0", "500", "1,000"]),
        ("0", "0", ["-1", "-0.5", "0", "0.5", "1"]),
        ("99.9", "97.5", ["97", "98", "99", "100"]),  # bounds in either order
    ],
)
def test_nice_ticks(low, high, ticks):
    assert [charts.format_number(t) for t in charts.nice_ticks(D(low), D(high))] == ticks


@pytest.mark.parametrize(
    "start, end, ticks",
    [
        (date(2026, 4, 1), date(2027, 3, 31), ["2026/4", "2026/7", "2026/10", "2027/1"]),
        (date(2026, 4, 15), date(2026, 7, 14), ["2026/5", "2026/6", "2026/7"]),
        (date(2026, 1, 1), date(2030, 12, 31), ["2026/1", "2027/1", "2028/1", "2029/1", "2030/1"]),
        (date(2026, 4, 2), date(2026, 4, 20), []),  # no first day of a month inside
    ],
)
def test_month_ticks(start, end, ticks):
    assert [charts.month_label(d) for d in charts.month_ticks(start, end)] == ticks


@pytest.mark.parametrize(
    "value, text",
    [
        ("98.60", "98.6"),
        ("70.00", "70"),
        ("-1234.5", "-1,234.5"),
        ("0.00", "0"),
        ("-0.00", "0"),
        ("1000000", "1,000,000"),
    ],
)
def test_numbers_are_written_as_people_write_them(value, text):
    assert charts.format_number(D(value)) == text


# --- the picture of a tour ---------------------------------------------------------------------------------


def _hold(checkpoint, on, confidence, values):
    """Mark `checkpoint` held on `on` with `values` ({Kpi: value}) as its measurements (test data, no service)."""
    Checkpoint.objects.filter(pk=checkpoint.pk).update(status=CheckpointStatus.HELD, held_on=on, confidence=confidence)
    for kpi, value in values.items():
        KpiMeasurement.objects.create(
            organization_id=checkpoint.organization_id, checkpoint=checkpoint, kpi=kpi, value=D(value)
        )
    checkpoint.refresh_from_db()
    return checkpoint


LOWER = {
    **KPI,
    "name": "障害対応時間",
    "unit": "分",
    "baseline": D("90"),
    "target": D("30"),
    "direction": "lower",
    "weight": 0,
}


@pytest.fixture
def two_kpi_tour(draft_version, signed_version):
    """A signed tour (2031-05-01 to 2032-05-01) with two KPIs and its first two checkpoints held."""
    version = signed_version(draft_version(kpis=[{**KPI, "weight": 60}, {**LOWER, "weight": 40}]))
    tour = version.agreement.tour
    first, second = Checkpoint.objects.filter(tour=tour).order_by("sequence")[:2]
    kpis = {k.name: k for k in version.kpis.all()}
    _hold(first, first.due_date, 6, {kpis["決済成功率"]: "98.10", kpis["障害対応時間"]: "75"})
    _hold(second, second.due_date, 8, {kpis["決済成功率"]: "99.00"})
    return tour


def test_a_picture_has_a_chart_per_kpi_and_the_confidence_trend(employee, two_kpi_tour):
    picture = selectors.tour_picture(membership=employee, tour=two_kpi_tour)
    assert [s.kpi.name for s in picture.series] == ["決済成功率", "障害対応時間"]
    success, downtime = picture.series
    assert [p.value for p in success.chart.points] == [D("98.10"), D("99.00")]
    assert [p.value for p in downtime.chart.points] == [D("75")]
    assert [p.value for p in picture.confidence.points] == [6, 8]
    assert {r.kind for r in downtime.chart.references} == {"baseline", "target"}
    assert [values for _, values in picture.rows] == [["98.1", "75"], ["99", "—"]]
    # In words, for a screen reader, with the progress in the KPI's direction (75 is 25% of the way from 90 to 30).
    with translation.override("en"):
        assert downtime.description == (
            f"One value recorded, on {date_format(downtime.chart.points[0].on, 'SHORT_DATE_FORMAT')}: 75. "
            "Baseline 90, target 30. Lower is better. "
            "The latest value is 25.0% of the way from the baseline to the target."
        )


@pytest.mark.parametrize(
    "role, visible", [("employee", True), ("manager", True), ("hr", True), ("other_manager", False)]
)
def test_the_picture_follows_the_tours_visibility(request, two_kpi_tour, role, visible):
    picture = selectors.tour_picture(membership=request.getfixturevalue(role), tour=two_kpi_tour)
    assert (picture is not None) is visible


def test_an_amended_kpi_is_one_series_across_versions_and_a_renamed_one_starts_another(
    employee, manager, two_kpi_tour, signed_version
):
    agreement = two_kpi_tour.agreement
    amended = agreement_services.agreement_amend(
        agreement=agreement,
        actor=manager,
        kpis=[
            # The same KPI, typed with a space and a new target: still the same series.
            {**KPI, "name": "決済 成功率", "target": D("99.50"), "weight": 60},
            {**LOWER, "name": "平均復旧時間", "weight": 40},  # renamed: a new series
        ],
    )
    signed_version(amended)
    third = Checkpoint.objects.filter(tour=two_kpi_tour, status=CheckpointStatus.SCHEDULED).order_by("sequence").first()
    kpis = {k.name: k for k in amended.kpis.all()}
    _hold(third, third.due_date, 7, {kpis["決済 成功率"]: "99.30", kpis["平均復旧時間"]: "50"})

    picture = selectors.tour_picture(membership=employee, tour=two_kpi_tour)
    names = [(s.kpi.name, s.in_force) for s in picture.series]
    assert names == [("決済 成功率", True), ("平均復旧時間", True), ("障害対応時間", False)]
    success = picture.series[0]
    assert [p.value for p in success.chart.points] == [D("98.10"), D("99.00"), D("99.30")]
    assert success.kpi.target == D("99.50") and [k.target for k in success.earlier] == [D("99.90")]
    assert [p.value for p in picture.series[2].chart.points] == [D("75")]


def test_kpi_keys_ignore_width_case_and_spaces():
    assert selectors.kpi_key("ＮＰＳ スコア") == selectors.kpi_key("nps すこあ")
    assert selectors.kpi_key("決済成功率") != selectors.kpi_key("決済失敗率")


def test_the_picture_of_many_tours_takes_the_same_queries_as_one(
    employee, two_kpi_tour, demo_checkpoint, django_assert_max_num_queries
):
    demo_tour = demo_checkpoint.tour
    with django_assert_max_num_queries(4):
        one = selectors.tour_pictures(membership=employee, tours=[two_kpi_tour])
    with django_assert_max_num_queries(4):
        both = selectors.tour_pictures(membership=employee, tours=[two_kpi_tour, demo_tour])
    assert set(one) == {two_kpi_tour.pk} and set(both) == {two_kpi_tour.pk, demo_tour.pk}


# --- rendering ------------------------------------------------------------------------------------------------


def _render(picture, **extra):
    request = RequestFactory().get("/")
    with translation.override("en"):
        return render_to_string(
            "checkpoints/_kpi_chart.html",
            {"picture": picture, "current_organization": picture.tour.organization, **extra},
            request=request,
        )


def test_the_svg_is_well_formed_and_the_table_has_the_same_figures(employee, two_kpi_tour):
    picture = selectors.tour_picture(membership=employee, tour=two_kpi_tour)
    html = _render(picture)
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 3
    drawn = []
    for svg in svgs:
        root = ET.fromstring(svg)  # raises on malformed XML
        assert root.get("role") == "img" and root.get("aria-labelledby") and root.get("aria-describedby")
        assert "style" not in svg  # the CSP allows no inline style
        assert root.find("desc") is not None and root.find("desc").text.strip()
        drawn.append([charts.format_number(D(c.get("data-value"))) for c in root.iter("circle")])
    table = html[html.index("<table") : html.index("</table>")]
    cells = re.findall(r'<td class="num">([^<]*)</td>', table)
    columns = len(picture.series) + 1
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    baseline, target, *held = rows
    assert baseline[:2] == ["97.5", "90"] and target[:2] == ["99.9", "30"]
    # Column by column, the table's figures are the chart's points, in the same order.
    for index, points in enumerate(drawn):
        assert [row[index] for row in held if row[index] != "—"] == points
    assert 'class="table-wrap" tabindex="0" role="region"' in html


def test_a_tour_with_nothing_held_yet_says_so_instead_of_drawing(employee, signed_version):
    tour = signed_version().agreement.tour
    picture = selectors.tour_picture(membership=employee, tour=tour)
    html = _render(picture)
    assert "data-picture-empty" in html and "<svg" not in html
