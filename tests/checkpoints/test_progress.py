"""KPI progress: percent of the way from the baseline to the target, in the KPI's direction, clamped to 0-100 for
the bar with the raw figure kept."""

from decimal import Decimal as D

import pytest

from checkpoints.selectors import kpi_progress


@pytest.mark.parametrize(
    "value, baseline, target, direction, raw, percent",
    [
        # Higher is better.
        ("98.70", "97.50", "99.90", "higher", "50.0", "50.0"),
        ("97.50", "97.50", "99.90", "higher", "0.0", "0.0"),
        ("99.90", "97.50", "99.90", "higher", "100.0", "100.0"),
        ("96.30", "97.50", "99.90", "higher", "-50.0", "0.0"),  # moved away: below 0, clamped
        ("101.10", "97.50", "99.90", "higher", "150.0", "100.0"),  # past the target: above 100, clamped
        ("5", None, "20", "higher", "25.0", "25.0"),  # no baseline: counted from 0
        # Lower is better.
        ("60", "90", "30", "lower", "50.0", "50.0"),
        ("30", "90", "30", "lower", "100.0", "100.0"),
        ("120", "90", "30", "lower", "-50.0", "0.0"),
        ("0", "90", "30", "lower", "150.0", "100.0"),
        ("40", "90", "30", "lower", "83.3", "83.3"),  # rounded to one decimal place
        # No span: the target is met or it is not, in the KPI's direction.
        ("10", "10", "10", "higher", "100.0", "100.0"),
        ("11", "10", "10", "higher", "100.0", "100.0"),
        ("9", "10", "10", "higher", "0.0", "0.0"),
        ("9", "10", "10", "lower", "100.0", "100.0"),
        ("11", "10", "10", "lower", "0.0", "0.0"),
        ("25", None, "30", "lower", "100.0", "100.0"),
        ("35", None, "30", "lower", "0.0", "0.0"),
    ],
)
def test_progress_runs_from_the_baseline_to_the_target_in_the_kpis_direction(
    value, baseline, target, direction, raw, percent
):
    progress = kpi_progress(
        value=D(value), baseline=None if baseline is None else D(baseline), target=D(target), direction=direction
    )
    assert (progress.raw, progress.percent) == (D(raw), D(percent))
