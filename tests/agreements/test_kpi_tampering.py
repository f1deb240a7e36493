"""KPIs that break the rules cannot be saved through a crafted editor form, nor frozen for signatures after the
tour's period moved under them (found by attacking issue 8's KPI rules): each refusal is a message beside the
form or on the page, never a 500, and nothing is written."""

import html
from datetime import date, timedelta

import pytest
from django.urls import reverse

from agreements import services
from agreements.models import KPI_MAX_COUNT, Kpi, VersionStatus
from tests.agreements.conftest import KPI
from tests.agreements.test_kpi_rules import _post


def _rows(count):
    return [{**KPI, "name": f"K{i}", "weight": 100 if i == 0 else 0} for i in range(count)]


def _set(**values):
    return lambda data: data.update(values)


def _drop(*keys):
    return lambda data: [data.pop(key) for key in keys]


# case → (the KPI rows typed, a change to the form data, a part of the English message the page shows)
TAMPERED = {
    "one row more than the editor offers": (_rows(KPI_MAX_COUNT + 1), _set(), "at most 20"),
    "many more rows, the form count raised to match": (_rows(60), _set(**{"kpi-TOTAL_FORMS": "60"}), "at most 20"),
    "the form count raised past Django's absolute maximum": (
        _rows(1),
        _set(**{"kpi-TOTAL_FORMS": "99999999999999999999"}),
        "",
    ),
    "a form count that is not a number": (_rows(1), _set(**{"kpi-TOTAL_FORMS": "abc"}), ""),
    "no management form": (_rows(1), _drop("kpi-TOTAL_FORMS", "kpi-INITIAL_FORMS"), ""),
    "a negative weight": (_rows(1), _set(**{"kpi-0-weight": "-100"}), ""),
    "a weight past any integer column": (_rows(1), _set(**{"kpi-0-weight": "9" * 30}), ""),
    "a baseline with 41 digits": (_rows(1), _set(**{"kpi-0-baseline": "1" + "0" * 40}), ""),
    "a target that is not a number": (_rows(1), _set(**{"kpi-0-target": "NaN"}), ""),
    "an infinite target": (_rows(1), _set(**{"kpi-0-target": "Infinity"}), ""),
    "a target with a huge exponent": (_rows(1), _set(**{"kpi-0-target": "1e100000"}), ""),
    "a due date past year 9999": (_rows(1), _set(**{"kpi-0-due_date": "99999-01-01"}), ""),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_crafted_kpi_form_gets_a_message_and_writes_nothing(draft_version, login, manager, case):
    rows, tamper, message = TAMPERED[case]
    version = draft_version()
    before = list(Kpi.objects.filter(version=version).values_list("name", "weight", "target", "due_date"))
    data = _post(version.agreement.tour, rows)
    tamper(data)
    url = reverse("agreements:version_edit", args=["acme", version.agreement_id, version.number])
    response = login(manager, language="en").post(url, data)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert 'class="error"' in page
    assert message in page
    assert list(Kpi.objects.filter(version=version).values_list("name", "weight", "target", "due_date")) == before


def test_the_editor_still_saves_as_many_kpis_as_it_offers(draft_version, login, manager):
    version = draft_version()
    url = reverse("agreements:version_edit", args=["acme", version.agreement_id, version.number])
    response = login(manager).post(url, _post(version.agreement.tour, _rows(KPI_MAX_COUNT)))
    assert response.status_code == 302
    assert Kpi.objects.filter(version=version).count() == KPI_MAX_COUNT


def _move_tour(**dates):
    def move(version, manager):
        services.tour_update(tour=version.agreement.tour, actor=manager, data=dates)

    return move


def _write_around_the_service(rows):
    def write(version, manager):
        Kpi.objects.filter(version=version).delete()
        for position, row in enumerate(rows):
            Kpi.objects.create(organization=version.organization, version=version, position=position, **row)

    return write


# What happened to a saved draft (its KPI is due on 2032-04-30, in a tour of 2031-05-01 to 2032-05-01) before
# someone requests signatures → a part of the English message the request shows.
MOVED = {
    "the period ends before the KPI is due": (_move_tour(end_date=date(2032, 3, 31)), "“決済成功率”: Choose a date"),
    "the period starts after the KPI is due": (
        _move_tour(start_date=date(2032, 4, 30) + timedelta(days=1), end_date=date(2032, 12, 31)),
        "“決済成功率”: Choose a date",
    ),
    "weights written around the service": (
        _write_around_the_service([{**KPI, "weight": 80}]),
        "add up to 80%",
    ),
    "more KPIs than a plan may hold, written around the service": (
        _write_around_the_service(_rows(KPI_MAX_COUNT + 1)),
        "at most 20 KPIs",
    ),
}


@pytest.mark.parametrize("case", sorted(MOVED))
def test_signatures_are_not_requested_for_kpis_that_break_the_rules_now(draft_version, login, manager, case):
    change, message = MOVED[case]
    version = draft_version()
    change(version, manager)
    url = reverse("agreements:request", args=["acme", version.agreement_id, version.number])
    response = login(manager, language="en").post(url, follow=True)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_signatures_are_requested_for_kpis_that_keep_the_rules(draft_version, login, manager):
    version = draft_version()
    url = reverse("agreements:request", args=["acme", version.agreement_id, version.number])
    assert login(manager).post(url).status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.PENDING
