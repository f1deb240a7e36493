"""The HR dashboard's chart picture (alliance.hr_charts.Drawing.svg): well-formed SVG with one shape per figure,
escaped text, numbers written unlocalised, and the empty picture saying so."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from alliance.hr_charts import draw
from alliance.hr_insights import Chart

SVG = "{http://www.w3.org/2000/svg}"

CHARTS = [
    # (chart, rects, circles, polylines)
    (Chart("Bars", ["a", "b", "c"], [("one", [1, 2, 3]), ("two", [0, None, 4])]), 5, 0, 0),
    (Chart("Line", ["Jan", "Feb", "Mar", "Apr"], [("rate", [10.5, None, 12.25, 13])], kind="line", unit="%"), 0, 3, 1),
    (Chart("Empty", [], []), 0, 0, 0),
    (Chart("<b>&", ["<script>", "x&y"], [("\"q'", [1, 2])]), 2, 0, 0),
]


@pytest.mark.parametrize("chart, rects, circles, polylines", CHARTS)
def test_the_svg_is_well_formed_with_one_shape_per_figure_and_escaped_text(chart, rects, circles, polylines):
    with translation.override("en"):
        drawing = draw(chart, uid="hr-x-chart-0")
        markup = str(drawing.svg()).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    root = ET.fromstring(markup)  # raises on markup that is not well-formed (unescaped text)
    assert len(root.findall(f"{SVG}rect")) == rects == len(drawing.bars)
    assert len(root.findall(f"{SVG}circle")) == circles == len(drawing.points)
    assert len(root.findall(f"{SVG}polyline")) == polylines == len(drawing.lines)
    assert root.find(f"{SVG}desc").text == drawing.description
    titles = [title.text for title in root.iter(f"{SVG}title")]
    assert titles == [shape.title for shape in [*drawing.bars, *drawing.points]]
    empty = [t for t in root.findall(f"{SVG}text") if t.get("class") == "chart-empty-text"]
    assert bool(empty) is not drawing.has_data
    if empty:
        assert empty[0].text == "No figures in this period"


def test_numbers_are_unlocalised_whatever_the_language():
    chart = Chart("Line", ["a", "b"], [("rate", [1234.5, 2.25])], kind="line")
    for language in ("ja", "en"):
        with translation.override(language):
            markup = str(draw(chart).svg())
        xs = [float(value) for value in markup.split('cx="')[1:] for value in [value.split('"')[0]]]
        assert len(xs) == 2 and all("," not in str(x) for x in xs)
