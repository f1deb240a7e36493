"""The HR dashboard on the demo a new user loads (`seed_demo`): in its default period (the last 365 days up to
today) every section of both demo organizations shows something, whatever day the demo is seeded on. The demo's
dates count from the seeding day it is given (alliance.demo.seed(today=...)), so the test passes that day in
instead of moving the clock."""

import html
import re
from datetime import timedelta

import pytest
from django.test.utils import override_settings
from django.utils import timezone

from alliance import demo
from alliance.hr_forms import default_period
from alliance.hr_insights import InsightFilters, sections
from alliance.models import Organization

SLUGS = [spec["slug"] for spec in demo.ORGANIZATIONS]
# The sections fed by the demo's own dates (the core's memberships, the alumni community), which follow the day
# passed in. The tours' and checkpoints' stories go through services that check the real clock (a 1on1 is not
# held after today), so on a day other than today only these are the demo's to answer for.
DATED_SECTIONS = ("people", "alumni_")


def _empty_sections(organization, today, keys=None) -> list[str]:
    """The keys of the dashboard sections (all, or those starting with one of `keys`) without a non-zero number
    among their figures, in the default period ending `today`."""
    start, end = default_period(today)
    filters = InsightFilters(organization=organization, period_start=start, period_end=end)
    empty = []
    for spec in sections():
        if keys is not None and not spec.key.startswith(keys):
            continue
        section = spec.build(filters)
        numbers = [f.value for f in (section.figures if section else ()) if isinstance(f.value, int | float)]
        if not any(numbers):
            empty.append(spec.key)
    return empty


@pytest.mark.parametrize("slug", SLUGS)
def test_every_dashboard_section_shows_something_on_the_day_the_demo_is_seeded(db, slug):
    # The session's demo was seeded today (tests/conftest.py).
    organization = Organization.objects.get(slug=slug)
    assert _empty_sections(organization, timezone.localdate()) == []


def _departure_rows(organization, today, **params):
    from django.http import QueryDict

    from alumni.insights import departure_rows

    start, end = default_period(today)
    query = QueryDict(mutable=True)
    query.update(params)
    return list(departure_rows(InsightFilters(organization=organization, period_start=start, period_end=end), query))


@pytest.mark.parametrize("slug", SLUGS)
def test_the_planned_departure_shows_in_the_default_period_as_after_it(db, slug):
    # member05@'s last day is three weeks ahead (alumni/demo_departures.py): after the default period's end.
    organization = Organization.objects.get(slug=slug)
    today = timezone.localdate()
    rows = _departure_rows(organization, today, timing="after_period")
    assert [row["last_day"] for row in rows] == [today + timedelta(days=21)]
    assert rows == _departure_rows(organization, today, timing="after_period", status="planned")
    assert all(row["last_day"] <= today for row in _departure_rows(organization, today))


@pytest.mark.parametrize("days_later", [0, 365])
def test_a_demo_seeded_later_still_fills_the_dashboard_of_that_day(db, days_later):
    # The session's demo stays in place under other addresses: seed_demo leaves existing rows alone (it would not
    # redate them), so the day's demo is seeded afresh beside it.
    for organization in Organization.objects.filter(slug__in=SLUGS):
        Organization.objects.filter(pk=organization.pk).update(
            slug=f"{organization.slug}-earlier", name=f"{organization.name} (earlier)"
        )
    day = timezone.localdate() + timedelta(days=days_later)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        organizations = demo.seed(today=day)
    assert [o.slug for o in organizations] == SLUGS
    for organization in organizations:
        keys = None if days_later == 0 else DATED_SECTIONS
        assert _empty_sections(organization, day, keys) == [], organization.slug
        (planned,) = _departure_rows(organization, day, timing="after_period")
        assert planned["last_day"] == day + timedelta(days=21)
    # Seeded again a month on: nothing is added (history rows included) and no date moves.
    before = _rows_by_model()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        demo.seed(today=day + timedelta(days=30))
    assert _rows_by_model() == before


def _rows_by_model() -> dict:
    """Every row of the project's apps, by model: the count, and the members' and departures' dates."""
    from django.apps import apps

    from alliance.models import Membership
    from alumni.models import Departure

    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in ("alliance", "agreements", "checkpoints", "alumni")
    }
    counts["dates"] = (
        sorted(Membership.objects.values_list("pk", "joined_on", "left_on")),
        sorted(Departure.objects.values_list("pk", "last_day")),
    )
    return counts


@pytest.mark.parametrize("first", ["2027-01-01", "2027-03-31", "2027-04-01", "2028-02-29", "2028-11-30"])
def test_the_demo_dates_keep_their_order_on_every_day(first):
    # A table of starting days (a leap day, the business year's turn, month ends), each followed for 40 days.
    from datetime import date

    from alumni.demo_access import comeback_left_on
    from alumni.demo_community import JOINED_YEARS_AGO, PEOPLE
    from alumni.demo_surveys import RESPONDENTS
    from alumni.models.surveys import LINK_DAYS
    from alumni.notices_surveys import milestone_day

    for offset in range(40):
        today = date.fromisoformat(first) + timedelta(days=offset)
        start, _end = default_period(today)
        last_month = demo.month_end(today, 1)
        assert (last_month + timedelta(days=1)).day == 1 and last_month < today
        # Every survey went out at the end of last month, on its milestone, and its link still works.
        for *_, months_ago, milestone, _scale, _choice, _text, _anonymous in RESPONDENTS:
            left = demo.month_end(today, months_ago)
            assert demo.april_first(today, 5) < left and start <= left
            assert milestone_day(left, milestone) == last_month > today - timedelta(days=LINK_DAYS)
        # alumni@ (left 4 months ago) waits on a 3-month survey sent then too.
        assert milestone_day(demo.month_end(today, 4), 3) == last_month
        # The community's alumni joined before they left; the older alumni left before the default period.
        for _local, _name, _reading, _title, months_ago, _manager in PEOPLE["acme"]:
            assert demo.april_first(today, JOINED_YEARS_AGO) < demo.month_end(today, months_ago) < today
        assert demo.month_end(today, 14) < start
        # member03@ left on 31 March and came back on the 1 April the core demo gave them, two years later.
        joined = demo.april_first(today, 5)
        assert (joined.month, joined.day) == (4, 1) and comeback_left_on(joined) == date(joined.year - 2, 3, 31)


def test_hr_opens_the_planned_departure_from_the_dashboard(hr, login):
    from django.urls import reverse

    client = login(hr, language="en")
    page = client.get(reverse("hr_dashboard", args=["acme"])).content.decode()
    # The figure, in the default period, links to its list with the dashboard's period and its own narrowing.
    path = reverse("hr_list", args=["acme", "alumni_departures"])
    (link,) = re.findall(rf'href="({re.escape(path)}\?[^"]*timing=after_period)" data-value="1"', page)
    listing = client.get(html.unescape(link)).content.decode()
    assert "Planned, last day after the period" in listing and "伊藤 大輔" in listing  # member05@acme
