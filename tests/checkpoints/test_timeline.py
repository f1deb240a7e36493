"""The career timeline: who opens whose, what each one sees in it (HR reads an alignment only once the employee
shared it), its entries newest first and grouped by tour, the registry later features add entries through, the
picture on the tour and alliance pages, and a query count that does not grow with the career."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements import services as agreement_services
from agreements.models import AgreementVersion, CareerAlignment, Tour
from checkpoints import timeline
from checkpoints.models import Checkpoint, CheckpointStatus, KpiMeasurement
from tests.agreements.conftest import KPI


def _url(member, slug="acme", **query):
    url = reverse("checkpoints:timeline", args=[slug, member.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _page(client, member, **query):
    response = client.get(_url(member, **query))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "viewer, status",
    [
        ("employee", 200),  # their own
        ("manager", 200),  # their report's
        ("hr", 200),
        ("other_manager", 404),  # not their report: the person's existence is not confirmed
        ("alumni", 404),  # a former member reads only their own records: not this one
        ("outsider", 404),  # another organization
    ],
)
def test_who_opens_the_employees_timeline(login, request, employee, viewer, status):
    assert login(request.getfixturevalue(viewer)).get(_url(employee)).status_code == status


def test_a_person_of_another_organization_is_404_even_for_hr(login, hr, outsider):
    assert login(hr).get(_url(outsider)).status_code == 404
    assert login(hr).get(_url(outsider, slug="globex")).status_code == 404


def test_hr_keeps_reading_the_timeline_of_someone_who_left(login, hr, alumni):
    assert login(hr).get(_url(alumni)).status_code == 200


def _alignment_url(alignment):
    return reverse("agreements:alignment", args=["acme", alignment.pk])


def test_hr_sees_an_alignment_only_once_the_employee_shared_it(login, employee, manager, hr):
    alignment = CareerAlignment.objects.filter(employee=employee).first()
    assert not alignment.shared_with_hr
    for party in (employee, manager):
        assert _alignment_url(alignment) in _page(login(party), employee)
    hidden = _page(login(hr), employee)
    assert _alignment_url(alignment) not in hidden and 'data-entry="alignment"' not in hidden
    assert 'data-entry="checkpoint"' in hidden  # the rest of the career is HR's to read

    agreement_services.alignment_share_with_hr(alignment=alignment, actor=employee, shared=True)
    assert _alignment_url(alignment) in _page(login(hr), employee)


def test_the_demo_timeline_links_every_record_newest_first_with_the_tours_picture(login, employee, demo_checkpoint):
    tour = demo_checkpoint.tour
    held = Checkpoint.objects.get(tour=tour, sequence=1)
    page = _page(login(employee, language="en"), employee)
    for url in (
        reverse("agreements:tour", args=["acme", tour.pk]),
        reverse("agreements:version", args=["acme", tour.agreement.pk, 1]),
        reverse("checkpoints:checkpoint", args=["acme", held.pk]),
        _alignment_url(tour.alignment),
    ):
        assert url in page, url
    # Scheduled checkpoints are not history yet.
    assert reverse("checkpoints:checkpoint", args=["acme", demo_checkpoint.pk]) not in page
    assert f'data-kpi-picture="{tour.pk}"' in page and "<svg" in page
    # Newest first: the checkpoint and the signature (today) before the alignment the tour grew from.
    assert page.index('data-entry="checkpoint"') < page.index('data-entry="alignment"')
    assert page.index('data-entry="version"') < page.index('data-entry="alignment"')


@pytest.fixture
def long_career(employee, manager, make_alignment, make_tour, draft_version, signed_version):
    """Six more tours for the demo employee (seven in all, two pages): two signed ones with held checkpoints
    and measurements (one amended, one checkpoint cancelled), four drafts; plus an alignment no tour grew from."""
    tours = []
    for year in (2031, 2033):
        alignment = make_alignment(held_on=date(year - 1, 12, 1))
        agreement_services.alignment_confirm(alignment=alignment, actor=employee)
        tour = make_tour(alignment=alignment, start_date=date(year, 5, 1), end_date=date(year + 1, 5, 1))
        version = signed_version(draft_version(tour=tour, kpis=[{**KPI, "due_date": date(year + 1, 4, 30)}]))
        kpi = version.kpis.get()
        checkpoints = list(Checkpoint.objects.filter(tour=tour).order_by("sequence"))
        for number, checkpoint in enumerate(checkpoints[:3]):
            Checkpoint.objects.filter(pk=checkpoint.pk).update(
                status=CheckpointStatus.CONFIRMED, held_on=checkpoint.due_date, confidence=5 + number
            )
            KpiMeasurement.objects.create(
                organization_id=tour.organization_id, checkpoint=checkpoint, kpi=kpi, value=D("98") + number
            )
        Checkpoint.objects.filter(pk=checkpoints[3].pk).update(status=CheckpointStatus.CANCELLED)
        tours.append(tour)
    agreement_services.agreement_amend(agreement=tours[-1].agreement, actor=manager)
    for year in (2036, 2038, 2040, 2042):
        make_tour(alignment=tours[0].alignment, start_date=date(year, 5, 1), end_date=date(year + 1, 5, 1))
    make_alignment(held_on=date(2029, 1, 10))  # no tour grew from it: it stands alone
    return tours


def test_a_long_career_is_paginated_by_tours_with_each_entry_once(login, employee, long_career):
    client = login(employee, language="en")
    first, second = _page(client, employee), _page(client, employee, page=2)
    tours = list(Tour.objects.filter(employee=employee).exclude(status="discarded").order_by("-start_date"))
    assert len(tours) == 7
    for index, tour in enumerate(tours):
        shown_on = first if index < timeline.TOURS_PER_PAGE else second
        other = second if shown_on is first else first
        assert f'data-tour="{tour.pk}"' in shown_on and f'data-tour="{tour.pk}"' not in other
    # The alignment of 2029 falls between the 2031 tour (page 2) and the demo tour (2026): page 2 as well.
    standalone = CareerAlignment.objects.get(employee=employee, held_on=date(2029, 1, 10))
    assert _alignment_url(standalone) in second and _alignment_url(standalone) not in first
    # Page 1: the drafts of 2036-2042 and the 2033 tour (3 held checkpoints, 1 cancelled, an amendment drafted);
    # page 2: the 2031 tour (the same four) and the demo tour's held one.
    assert first.count('data-entry="checkpoint"') == 4 and second.count('data-entry="checkpoint"') == 4 + 1
    assert "Cancelled" in first and "data-mark>Amendment<" in first
    # Page 2's only amendments are the demo tour's own (checkpoints/demo_amend.py re-signs one).
    demo_amendments = AgreementVersion.objects.filter(
        agreement__tour__in=tours[timeline.TOURS_PER_PAGE :], is_amendment=True
    ).exclude(status="discarded")
    assert second.count("data-mark>") == demo_amendments.count()


def test_the_query_count_does_not_grow_with_the_career(
    login, employee, demo_checkpoint, long_career, request, settings
):
    # The cost of rendering the page: kept pages off (a kept page's access check would be counted too).
    settings.PAGE_CACHE_SECONDS = 0
    client = login(employee)
    with CaptureQueriesContext(connection) as one_tour_page:
        client.get(_url(employee, page=2))
    with CaptureQueriesContext(connection) as full_page:
        client.get(_url(employee))
    # Page 1 holds five tours (two with pictures, versions, checkpoints); page 2 two tours and the lone
    # alignment, plus the one query that finds where the previous page ended.
    assert len(full_page) <= len(one_tour_page)
    assert len(full_page) <= 20, [q["sql"] for q in full_page.captured_queries]


def test_a_later_feature_adds_its_entries_through_the_registry(login, employee, monkeypatch, demo_checkpoint):
    def tour_endings(scope):
        return [
            timeline.TimelineEntry(
                kind="tour_end", on=t.end_date, title="Tour ended", url=f"/ended/{t.pk}/", tour_id=t.pk
            )
            for t in scope.tours
        ]

    monkeypatch.setattr(timeline, "ENTRY_BUILDERS", list(timeline.ENTRY_BUILDERS))
    assert timeline.register_entry_builder(tour_endings) is tour_endings
    timeline.register_entry_builder(tour_endings)
    assert timeline.ENTRY_BUILDERS.count(tour_endings) == 1
    page = _page(login(employee), employee)
    assert page.count('data-entry="tour_end"') == 1
    # It ends after everything else happened, so it is the tour's newest entry.
    assert page.index('data-entry="tour_end"') < page.index('data-entry="checkpoint"')


# --- the picture on the tour and alliance pages ----------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["employee", "manager", "hr"])
def test_the_tour_and_alliance_pages_show_the_picture_and_link_the_timeline(login, request, employee, viewer):
    client = login(request.getfixturevalue(viewer))
    tour = Tour.objects.get(employee=employee, status="active")
    tour_page = client.get(reverse("agreements:tour", args=["acme", tour.pk])).content.decode()
    assert 'data-section="kpi-picture"' in tour_page and 'role="img"' in tour_page
    person = (
        reverse("agreements:mine", args=["acme"])
        if viewer == "employee"
        else reverse("agreements:person", args=["acme", employee.pk])
    )
    alliance_page = client.get(person).content.decode()
    assert f'data-kpi-picture="{tour.pk}"' in alliance_page
    assert _url(employee) in alliance_page


@pytest.mark.parametrize("viewer", ["employee", "manager", "hr"])
def test_the_checkpoint_page_shows_its_tours_picture_with_this_checkpoint_marked(login, request, employee, viewer):
    held = Checkpoint.objects.filter(tour__employee=employee, status=CheckpointStatus.HELD).get()
    page = login(request.getfixturevalue(viewer)).get(reverse("checkpoints:checkpoint", args=["acme", held.pk]))
    html = page.content.decode()
    assert f'data-kpi-picture="{held.tour_id}"' in html
    assert html.count("chart-point-current") == 3  # two KPIs and the confidence, at this checkpoint's date
    assert f'<tr data-checkpoint="{held.pk}" class="is-current">' in html


def test_a_draft_tour_has_no_picture_yet(login, manager, make_tour):
    tour = make_tour(start_date=date(2031, 5, 1), end_date=date(2031, 5, 1) + timedelta(days=365))
    page = login(manager).get(reverse("agreements:tour", args=["acme", tour.pk])).content.decode()
    assert 'data-section="kpi-picture"' not in page


def test_the_pages_with_a_picture_are_valid_html(login, employee, long_career, tmp_path):
    """Valid HTML (the Nu checker when installed, as in CI; always the structure checks: no duplicate id, every
    aria-describedby points at an element), with several pictures on one page (the timeline)."""
    from tests.alliance.test_account_html import _vnu_jar, nu_errors, structure_faults

    client = login(employee, language="en")
    held = Checkpoint.objects.filter(tour__employee=employee, status=CheckpointStatus.HELD).first()
    active = Tour.objects.filter(employee=employee, status="active").order_by("start_date").first()
    for url in (
        reverse("checkpoints:checkpoint", args=["acme", held.pk]),
        reverse("agreements:tour", args=["acme", active.pk]),
        reverse("agreements:mine", args=["acme"]),
        _url(employee),
        _url(employee, page=2),
    ):
        html = client.get(url).content.decode()
        assert structure_faults(html) == [], url
        if _vnu_jar() is not None:
            assert nu_errors(html, tmp_path) == [], url
