"""Alumni keep reading their own records, and only them; every other page of the organization they left is a 404.

The decision table below is every route of agreements and checkpoints (and the core's employee pages) opened by
the demo alumnus on THEIR OWN records (alumni/demo_access.py: a completed tour with its signed agreement, PDF and
checkpoints): the read pages answer 200 (READ_OWN_RECORDS), every write or form page 404 (VIEW_OWN_RECORDS and
the rest are employees' capabilities; alliance.tenancy.TenantView answers 404 to an alumnus lacking one).
"""

import re

import pytest
from django.urls import reverse

from agreements import access
from agreements.models import CareerAlignment, Tour
from alliance.models import Membership, MembershipStatus, Role
from checkpoints.models import Checkpoint

OWN = "alumni@acme.example"


def _alumnus():
    return Membership.objects.get(user__email=OWN)


def _tour():
    return Tour.objects.get(employee__user__email=OWN)


def _alignment():
    return CareerAlignment.objects.filter(employee__user__email=OWN).first()


def _version():
    tour = _tour()
    return {"pk": tour.agreement.pk, "number": tour.agreement.versions.order_by("-number").first().number}


def _checkpoint():
    return Checkpoint.objects.filter(tour__employee__user__email=OWN).order_by("sequence").first()


def _tour_pk():
    return {"pk": _tour().pk}


def _checkpoint_pk():
    return {"pk": _checkpoint().pk}


def _alignment_pk():
    return {"pk": _alignment().pk}


def _ending_pk():
    from checkpoints.models import TourEnding

    return {"pk": TourEnding.objects.get(tour__employee__user__email=OWN).pk}


def _self():
    return {"member_pk": _alumnus().pk}


READ = 200
GONE = 404

# route name -> (the URL's arguments on the alumnus's own records, what the alumnus gets)
DECISIONS = {
    # Read pages: theirs to read, read-only.
    "agreements:mine": (dict, READ),
    "agreements:person": (_self, READ),
    "agreements:alignment": (_alignment_pk, READ),
    "agreements:tour": (_tour_pk, READ),
    "agreements:agreement": (lambda: {"pk": _version()["pk"]}, 302),
    "agreements:version": (_version, READ),
    "agreements:pdf": (_version, READ),
    "checkpoints:checkpoint": (_checkpoint_pk, READ),
    "checkpoints:timeline": (_self, READ),
    "dashboard": (dict, READ),
    "notifications": (dict, READ),
    # Writing and the forms that lead to it: employees only.
    "agreements:share_offer": (dict, GONE),
    "agreements:team": (dict, GONE),
    "agreements:alignment_new": (dict, GONE),
    "agreements:alignment_edit": (_alignment_pk, GONE),
    "agreements:alignment_confirm": (_alignment_pk, GONE),
    "agreements:alignment_sharing": (_alignment_pk, GONE),
    "agreements:tour_new": (lambda: {"alignment_pk": _alignment().pk}, GONE),
    "agreements:tour_edit": (_tour_pk, GONE),
    "agreements:tour_discard": (_tour_pk, GONE),
    "agreements:amend": (lambda: {"pk": _version()["pk"]}, GONE),
    "agreements:version_edit": (_version, GONE),
    "agreements:request": (_version, GONE),
    "agreements:withdraw": (_version, GONE),
    "agreements:sign": (_version, GONE),
    "agreements:decline": (_version, GONE),
    "agreements:version_discard": (_version, GONE),
    "agreements:template": (dict, GONE),
    "checkpoints:tour_complete": (_tour_pk, GONE),
    "checkpoints:tour_end_early": (_tour_pk, GONE),
    "checkpoints:tour_end_now": (_tour_pk, GONE),
    "checkpoints:tour_outcome": (_tour_pk, GONE),
    "checkpoints:tour_next": (_tour_pk, GONE),
    "checkpoints:ending_confirm": (_ending_pk, GONE),
    "checkpoints:ending_decline": (_ending_pk, GONE),
    "checkpoints:ending_withdraw": (_ending_pk, GONE),
    "checkpoints:agenda_add": (_checkpoint_pk, GONE),
    "checkpoints:action_add": (_checkpoint_pk, GONE),
    "checkpoints:correction_add": (_checkpoint_pk, GONE),
    "checkpoints:agenda_withdraw": (lambda: {**_checkpoint_pk(), "topic_pk": 1}, GONE),
    "checkpoints:action_done": (lambda: {**_checkpoint_pk(), "action_pk": 1}, GONE),
    "checkpoints:cancel": (_checkpoint_pk, GONE),
    "checkpoints:amend": (_checkpoint_pk, GONE),
    # A calendar invite is for a 1on1 to come: none after leaving.
    "checkpoints:checkpoint_ics": (_checkpoint_pk, GONE),
    "checkpoints:calendar": (dict, GONE),
    "checkpoints:calendar_revoke": (dict, GONE),
    "checkpoints:overdue": (dict, GONE),
    # The core's employee and HR pages.
    "members": (dict, GONE),
    "member_invite": (dict, GONE),
    "organization_settings": (dict, GONE),
    "audit": (dict, GONE),
    "audit_export": (dict, GONE),
    "notifications_failed": (dict, GONE),
}


def _url(name, kwargs):
    return reverse(name, kwargs={"org_slug": "acme", **kwargs})


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_an_alumnus_on_their_own_records_gets_what_the_table_says(db, login, alumni, name):
    kwargs, expected = DECISIONS[name]
    assert login(alumni).get(_url(name, kwargs())).status_code == expected, name


@pytest.mark.parametrize("name", sorted(n for n, (_k, code) in DECISIONS.items() if code == GONE))
def test_an_alumnus_posting_to_a_write_page_gets_404_and_nothing_changes(db, login, alumni, name):
    kwargs, _code = DECISIONS[name]
    before = (Tour.objects.filter(employee=alumni).count(), CareerAlignment.objects.filter(employee=alumni).count())
    assert login(alumni).post(_url(name, kwargs()), {"action": "confirm"}).status_code in (404, 405), name
    after = (Tour.objects.filter(employee=alumni).count(), CareerAlignment.objects.filter(employee=alumni).count())
    assert before == after


@pytest.mark.parametrize(
    "name, kwargs",
    [("agreements:tour", _tour_pk), ("checkpoints:checkpoint", _checkpoint_pk)],
)
def test_an_alumnus_posting_to_a_read_page_gets_404(db, login, alumni, name, kwargs):
    assert login(alumni).post(_url(name, kwargs()), {"allow": "1", "action": "confirm"}).status_code == 404


def test_every_route_of_agreements_and_checkpoints_is_decided_for_alumni():
    from tests.test_url_access import all_routes

    names = {n for route, n in all_routes() if n and n.split(":")[0] in {"agreements", "checkpoints"}}
    names &= {n for route, n in all_routes() if route.startswith("<slug:org_slug>/")}
    assert names - set(DECISIONS) == set()


# --- what an alumnus sees on their read pages: only what they can open ---------------------------------------

READ_PAGES = sorted(n for n, (_k, code) in DECISIONS.items() if code == READ and n != "agreements:pdf")
HREF = re.compile(r'href="(/acme/[^"#]*)"')
POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="(/acme/[^"]*)"', re.IGNORECASE)
# The one write an alumnus keeps on a read page: opening one's own notice marks it read (NotificationOpenView).
OWN_NOTICE = re.compile(r"^/acme/notifications/\d+/$")


@pytest.mark.parametrize("name", READ_PAGES)
def test_every_link_on_an_alumnus_read_page_opens_for_them_and_no_form_writes(db, login, alumni, name):
    kwargs, _code = DECISIONS[name]
    client = login(alumni, language="en")
    page = client.get(_url(name, kwargs()))
    html = page.content.decode()
    forms = POST_FORM.findall(html)
    assert [action for action in forms if not OWN_NOTICE.match(action)] == [], name
    for action in forms:
        assert client.post(action).status_code == 302, f"{name} posts to {action}"
    for href in sorted(set(HREF.findall(html))):
        href = href.replace("&amp;", "&")
        assert client.get(href).status_code in (200, 302), f"{name} links to {href}"


@pytest.mark.parametrize(
    "name, kwargs",
    [("agreements:mine", dict), ("agreements:version", _version), ("checkpoints:checkpoint", _checkpoint_pk)],
)
def test_an_alumnus_read_page_offers_no_action(db, login, alumni, name, kwargs):
    html = login(alumni, language="en").get(_url(name, kwargs())).content.decode()
    for action in ("Sign", "Start an amendment", "Record a career alignment", "Edit", "Add a topic", "Confirm"):
        assert f">{action}<" not in html, action


def test_the_signed_pdf_downloads_for_the_alumnus(db, login, alumni):
    response = login(alumni).get(_url("agreements:pdf", _version()) + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- never anyone else's records ------------------------------------------------------------------------------


@pytest.fixture
def former_manager(db, employee):
    """An alumnus who was a manager, named as employee@'s manager, as the manager who held their 1on1 and shared
    a record with by guardian: none of it opens anything once they left."""
    from guardian.shortcuts import assign_perm

    former = Membership.objects.filter(organization__slug="acme", status=MembershipStatus.ALUMNI, role=Role.MANAGER)
    former = former.select_related("user").first()
    Membership.objects.filter(pk=employee.pk).update(manager=former)
    alignment = CareerAlignment.objects.filter(employee=employee).first()
    CareerAlignment.objects.filter(pk=alignment.pk).update(manager=former)
    assign_perm(access.READ_ALIGNMENT, former.user, alignment)
    return former


def test_a_former_manager_reads_none_of_their_former_reports_records(db, login, former_manager, employee):
    employee.refresh_from_db()
    assert not access.visible_tours(membership=former_manager).exists()
    assert not access.visible_alignments(membership=former_manager).filter(employee=employee).exists()
    assert not access.can_see_person(former_manager, employee)
    client = login(former_manager)
    tour = Tour.objects.filter(employee=employee).first()
    alignment = CareerAlignment.objects.filter(employee=employee).first()
    for url in (
        _url("agreements:tour", {"pk": tour.pk}),
        _url("agreements:alignment", {"pk": alignment.pk}),
        _url("agreements:person", {"member_pk": employee.pk}),
        _url("checkpoints:timeline", {"member_pk": employee.pk}),
        _url("checkpoints:checkpoint", {"pk": Checkpoint.objects.filter(tour=tour).first().pk}),
    ):
        assert client.get(url).status_code == 404, url


def test_a_former_hr_member_reads_only_their_own_records(db, login, employee):
    former_hr = Membership.objects.filter(organization__slug="acme", status=MembershipStatus.ALUMNI).first()
    Membership.objects.filter(pk=former_hr.pk).update(role=Role.HR)
    former_hr.refresh_from_db()
    assert set(access.visible_tours(membership=former_hr).values_list("employee", flat=True)) <= {former_hr.pk}
    tour = Tour.objects.filter(employee=employee).first()
    assert login(former_hr).get(_url("agreements:tour", {"pk": tour.pk})).status_code == 404


def test_an_alumnus_signs_and_edits_nothing_even_by_the_helpers(db, alumni):
    tour = _tour()
    version = tour.agreement.versions.first()
    from agreements import selectors

    assert selectors.signing_party_role(version, alumni) is None
    assert not access.can_edit_agreement(alumni, tour.agreement)
    assert not access.can_edit_tour(alumni, tour)
    assert not access.can_edit_alignment(alumni, _alignment())
