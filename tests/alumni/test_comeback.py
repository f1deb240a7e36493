"""Comeback hires: HR invites an alumnus again; accepting makes them active, records the return, keeps their old
records readable to them and shows the alumni years on their career timeline."""

from datetime import date

import pytest
from django.urls import reverse

from agreements.models import Tour
from alliance import services
from alliance.models import MembershipStatus
from alumni.models import Comeback, Departure
from alumni.timeline import alumni_period


@pytest.fixture
def came_back(acme, hr, alumni):
    """The demo alumnus (left four months before the demo's day, after a career step outside) invited back by HR
    and accepted."""
    _invitation, token = services.invitation_create(
        organization=acme, invited_by=hr.user, email=alumni.user.email, role="employee"
    )
    return services.invitation_accept(token=token, user=alumni.user)


def test_the_invite_form_accepts_an_alumnus_address_and_says_so(db, login, hr, alumni):
    client = login(hr, language="en")
    page = client.get(reverse("member_invite", args=["acme"])).content.decode()
    assert "comeback hire" in page
    response = client.post(reverse("member_invite", args=["acme"]), {"email": alumni.user.email, "role": "employee"})
    assert response.status_code == 302


def test_accepting_makes_the_alumnus_active_and_records_the_return_once(db, came_back, alumni):
    assert came_back.pk == alumni.pk and came_back.status == MembershipStatus.ACTIVE
    (comeback,) = Comeback.objects.filter(membership=alumni)
    departure = Departure.objects.get(membership=alumni)
    assert comeback.left_on == departure.last_day == alumni.left_on  # `alumni` as it was before coming back
    assert comeback.departure == departure
    assert comeback.came_back_on == came_back.joined_on


def test_a_new_member_joining_is_no_comeback(db, acme, hr):
    from tests.factories import UserFactory

    _invitation, token = services.invitation_create(organization=acme, invited_by=hr.user, email="new@acme.example")
    services.invitation_accept(token=token, user=UserFactory(email="new@acme.example"))
    assert not Comeback.objects.filter(membership__user__email="new@acme.example").exists()


def test_the_person_still_reads_their_old_records_after_coming_back(db, login, came_back):
    tour = Tour.objects.get(employee=came_back)
    assert login(came_back).get(reverse("agreements:tour", args=["acme", tour.pk])).status_code == 200


@pytest.mark.parametrize("who", ["self", "hr"])
def test_the_timeline_shows_the_alumni_years(db, login, came_back, hr, who):
    viewer = came_back if who == "self" else hr
    response = login(viewer, language="en").get(reverse("checkpoints:timeline", args=["acme", came_back.pk]))
    html = response.content.decode()
    assert 'data-entry="alumni-left"' in html
    assert "Left the organization (A career step outside)" in html
    assert 'data-entry="alumni-came-back"' in html
    assert "Came back (comeback hire)" in html
    assert "Alumni for" in html


def test_an_alumnus_sees_their_departure_on_their_own_timeline(db, login, alumni):
    html = login(alumni, language="en").get(reverse("checkpoints:timeline", args=["acme", alumni.pk])).content
    assert b'data-entry="alumni-left"' in html
    assert b"alumni-came-back" not in html


@pytest.mark.parametrize(
    "start, end, words",
    [
        (date(2025, 3, 31), date(2025, 4, 1), "0 months"),
        (date(2025, 3, 31), date(2025, 8, 31), "5 months"),
        (date(2023, 3, 31), date(2025, 3, 31), "2 years"),
        (date(2022, 1, 15), date(2025, 4, 20), "3 years 3 months"),
        (date(2022, 1, 15), date(2025, 4, 14), "3 years 2 months"),
    ],
)
def test_the_alumni_period_counts_whole_months(start, end, words):
    from django.utils import translation

    with translation.override("en"):
        assert alumni_period(start, end) == words


def test_the_demo_has_a_comeback_hire_with_the_alumni_years_on_the_timeline(db, login, hr):
    comeback = Comeback.objects.select_related("membership").get(membership__user__email="member03@acme.example")
    assert comeback.left_on < comeback.came_back_on
    url = reverse("checkpoints:timeline", args=["acme", comeback.membership.pk])
    html = login(hr, language="en").get(url).content.decode()
    assert 'data-entry="alumni-came-back"' in html and 'data-entry="alumni-left"' in html
