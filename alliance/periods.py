"""Periods counted in months, as the Japanese Civil Code (民法) counts them.

Every place that computes or offers the end of a commitment period (the tour form's typical lengths, the tour
validation of 3 to 60 months, the demo data, the month count shown beside a period) goes through these two
functions, so they cannot disagree.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The days a person may type into any date field (a 1on1, a tour's period, a KPI's due date, an audit filter):
# wide enough for any real record, narrow enough that the arithmetic done on them (a period of up to 60 months,
# the next day, the instant in the site's time zone) never leaves the years Python and the database can hold.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def validate_day(value: date) -> None:
    """Form validator: raise ValidationError (code `date_range`) for a day outside FIRST_DAY..LAST_DAY."""
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="date_range",
            params={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_end(start: date, months: int) -> date:
    """The last day (inclusive) of a period of `months` months whose first day is `start`.

    Civil Code art. 143: a period in months ends on the day before the day of the last month that corresponds
    to the starting day (起算日に応当する日の前日); when the last month has no such day (a period starting on
    the 29th-31st that ends in a shorter month), it ends on that month's last day. `start` is itself counted
    (the period begins at the start of that day, art. 140 proviso). So 12 months from 1 April 2025 end on
    31 March 2026, and 1 month from 31 January 2025 ends on 28 February 2025.
    Raises ValueError if `months` is below 1.
    """
    if months < 1:
        raise ValueError("A period lasts at least one month.")
    year, month = _add_months(start.year, start.month, months)
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return date(year, month, last_day)
    return date(year, month, start.day) - timedelta(days=1)


def period_months(start: date, end: date) -> int:
    """The number of months n whose Civil Code period from `start` (see `period_end`) is the shortest that
    reaches `end`: exact for a period computed by `period_end`, rounded up for any other inclusive end date.
    Raises ValueError if `end` is before `start`.
    """
    if end < start:
        raise ValueError("The end comes before the start.")
    months = max(1, (end.year - start.year) * 12 + end.month - start.month)
    while months > 1 and period_end(start, months - 1) >= end:
        months -= 1
    while period_end(start, months) < end:
        months += 1
    return months
