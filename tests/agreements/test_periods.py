"""Commitment periods end as the Civil Code says (art. 143), wherever an end date is computed or checked."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from agreements.forms import TourForm
from agreements.models import Tour
from alliance.periods import period_end, period_months

MONTHS = (1, 3, 5, 6, 11, 12, 13, 18, 23, 24, 35, 60)


def civil_code_end(start: date, months: int) -> date:
    """The rule stated independently: the next period would begin on the day of the last month corresponding to
    the starting day, or, when that month has no such day, on the first day of the month after it; this period
    ends the day before."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    try:
        next_start = date(year, month, start.day)
    except ValueError:
        next_start = date(year + month // 12, month % 12 + 1, 1)
    return next_start - timedelta(days=1)


def every_day(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("year", [2024, 2025], ids=["leap year", "common year"])
@pytest.mark.parametrize("months", MONTHS)
def test_every_start_day_of_a_year_ends_where_the_civil_code_says(year, months):
    wrong = [
        (start, period_end(start, months), civil_code_end(start, months))
        for start in every_day(year)
        if period_end(start, months) != civil_code_end(start, months)
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "start, months, end",
    [
        (date(2025, 4, 1), 12, date(2026, 3, 31)),  # a fiscal year
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # no 31 February: the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 29), 1, date(2025, 2, 28)),  # no 29 February in a common year
        (date(2024, 1, 29), 1, date(2024, 2, 28)),  # the 29th exists in a leap year: the day before
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 28)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 31), 18, date(2027, 6, 30)),
        (date(2025, 5, 15), 24, date(2027, 5, 14)),
    ],
)
def test_known_periods(start, months, end):
    assert period_end(start, months) == end
    assert period_months(start, end) == months


def _tour_form(start: date, length: int) -> TourForm:
    return TourForm(
        {
            "title": "t",
            "kind": "transformational",
            "goal": "g",
            "toward_ideal_self": "i",
            "value_to_company": "v",
            "start_date": start.isoformat(),
            "length": str(length),
        }
    )


@pytest.mark.parametrize(
    "start, length",
    [
        (date(2025, 8, 31), 6),  # ends 28 Feb, not 27 Feb
        (date(2024, 8, 31), 18),  # ends 28 Feb 2026
        (date(2025, 12, 30), 12),
        (date(2025, 12, 31), 6),  # ends 30 June
        (date(2026, 3, 31), 6),  # ends 30 September, not 29
        (date(2025, 4, 1), 12),
        (date(2025, 7, 15), 24),
    ],
)
def test_the_tour_forms_typical_lengths_end_on_the_civil_code_day(start, length):
    form = _tour_form(start, length)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["end_date"] == civil_code_end(start, length)


@pytest.mark.parametrize(
    "start, end, accepted",
    [
        # 3 months at the least: from 31 August the shortest period ends on 30 November.
        (date(2025, 8, 31), date(2025, 11, 30), True),
        (date(2025, 8, 31), date(2025, 11, 29), False),
        (date(2025, 11, 30), date(2026, 2, 28), True),
        (date(2025, 11, 30), date(2026, 2, 27), False),
        (date(2025, 4, 1), date(2025, 6, 30), True),
        (date(2025, 4, 1), date(2025, 6, 29), False),
        (date(2025, 4, 1), date(2025, 6, 16), False),  # half a month short: once let through
        # 60 months at the most.
        (date(2025, 4, 1), date(2030, 3, 31), True),
        (date(2025, 4, 1), date(2030, 4, 1), False),
        (date(2025, 4, 1), date(2030, 4, 14), False),  # half a month too long: once let through
        (date(2024, 2, 29), date(2029, 2, 28), True),
        (date(2024, 2, 29), date(2029, 3, 1), False),
    ],
)
def test_tours_last_3_to_60_months_by_the_civil_code(make_tour, start, end, accepted):
    if accepted:
        tour = make_tour(start_date=start, end_date=end)
        assert tour.end_date == end
    else:
        with pytest.raises(ValidationError) as error:
            make_tour(start_date=start, end_date=end)
        assert "end_date" in error.value.message_dict


@pytest.mark.parametrize(
    "start, end, months",
    [
        (date(2025, 8, 31), date(2026, 2, 28), 6),
        (date(2025, 4, 1), date(2026, 3, 31), 12),
        (date(2025, 4, 1), date(2026, 4, 1), 13),  # one day past 12 months starts a 13th
        (date(2025, 1, 15), date(2025, 4, 10), 3),
        (date(2025, 11, 30), date(2026, 2, 28), 3),
        (date(2025, 11, 30), date(2026, 3, 1), 4),
    ],
)
def test_the_month_count_shown_beside_a_period_counts_civil_code_months(start, end, months):
    assert Tour(start_date=start, end_date=end).months == months


def test_a_period_is_at_least_a_month():
    with pytest.raises(ValueError):
        period_end(date(2025, 1, 1), 0)
