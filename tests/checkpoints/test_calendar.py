"""Calendars (checkpoints/calendar.py): a checkpoint's .ics invite and a member's private feed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from alliance.models import AuditEntry, Membership, User
from checkpoints import services
from checkpoints.models import CalendarFeed, Checkpoint


def _events(body: bytes) -> dict:
    """The VEVENTs of an iCalendar document, by UID."""
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def _ics(client, checkpoint):
    return client.get(reverse("checkpoints:checkpoint_ics", args=["acme", checkpoint.pk]))


def test_a_checkpoint_invite_is_an_all_day_event_with_a_stable_uid_and_a_link(login, employee, demo_checkpoint):
    response = _ics(login(employee, language="en"), demo_checkpoint)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["X-WR-TIMEZONE"]) == "Asia/Tokyo"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"checkpoint-{demo_checkpoint.pk}@localhost"
    assert event.decoded("DTSTART") == demo_checkpoint.due_date
    assert event.decoded("DTEND") == demo_checkpoint.due_date + timedelta(days=1)
    assert int(event["SEQUENCE"]) == demo_checkpoint.revision == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]).endswith(f"/acme/checkpoints/{demo_checkpoint.pk}/")
    assert str(event["SUMMARY"]).startswith(f"Checkpoint {demo_checkpoint.sequence}: ")
    # The same checkpoint downloaded again (by someone else, in another language): the same event.
    again = _events(_ics(login(employee, language="ja"), demo_checkpoint).content)
    assert list(again) == [str(event["UID"])] and "チェックポイント" in str(again[str(event["UID"])]["SUMMARY"])


@pytest.mark.parametrize(
    "change, sequence, status",
    [
        ({"revision": 1}, 1, "CONFIRMED"),  # the due date moved once
        ({"revision": 2}, 2, "CONFIRMED"),
        ({"status": "cancelled"}, 1, "CANCELLED"),  # a change of status is a revision too (RFC 5545)
    ],
)
def test_a_moved_or_cancelled_checkpoint_updates_the_same_event(
    login, manager, demo_checkpoint, change, sequence, status
):
    Checkpoint.objects.filter(pk=demo_checkpoint.pk).update(**change)
    (event,) = _events(_ics(login(manager), demo_checkpoint).content).values()
    assert str(event["UID"]) == f"checkpoint-{demo_checkpoint.pk}@localhost"
    assert int(event["SEQUENCE"]) == sequence and str(event["STATUS"]) == status


def test_the_uid_names_the_sites_host(settings, login, employee, demo_checkpoint):
    settings.SITE_URL = "https://alliance.example.co.jp:8443/"
    (uid,) = _events(_ics(login(employee), demo_checkpoint).content)
    assert uid == f"checkpoint-{demo_checkpoint.pk}@alliance.example.co.jp"


def test_the_checkpoint_page_links_the_invite_and_the_feed(login, employee, demo_checkpoint):
    page = login(employee).get(reverse("checkpoints:checkpoint", args=["acme", demo_checkpoint.pk])).content.decode()
    assert reverse("checkpoints:checkpoint_ics", args=["acme", demo_checkpoint.pk]) in page
    assert reverse("checkpoints:calendar", args=["acme"]) in page


# --- the private feed ---------------------------------------------------------------------------------------


def _make_feed(client):
    response = client.post(reverse("checkpoints:calendar", args=["acme"]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    return response.context["feed_url"]


def _feed_path(url):
    return url.split("//", 1)[-1].split("/", 1)[1].join(["/", ""])


def test_a_member_makes_a_feed_whose_token_is_shown_once_and_stored_only_as_a_hash(login, employee):
    client = login(employee)
    url = _make_feed(client)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43, "32 random bytes, URL-safe base64"
    feed = CalendarFeed.objects.get(membership=employee, revoked_at__isnull=True)
    assert feed.token_hash == CalendarFeed.hash_token(token) and token not in feed.token_hash
    assert token not in client.get(reverse("checkpoints:calendar", args=["acme"])).content.decode()
    assert AuditEntry.objects.filter(action="calendar_feed.create", actor=employee).exists()


def test_the_feed_serves_the_members_own_checkpoints_without_a_login(login, employee):
    url = _make_feed(login(employee))
    response = login(None).get(_feed_path(url))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    uids = set(_events(response.content))
    expected = {
        f"checkpoint-{pk}@localhost"
        for pk in Checkpoint.objects.filter(tour__employee=employee).values_list("pk", flat=True)
    }
    assert expected and uids == expected


def test_a_managers_feed_serves_their_reports_checkpoints_and_never_another_organizations(
    login, manager, employee, outsider
):
    url = _make_feed(login(manager))
    uids = set(_events(login(None).get(_feed_path(url)).content))
    mine = Checkpoint.objects.filter(tour__employee__manager=manager).values_list("pk", flat=True)
    assert {f"checkpoint-{pk}@localhost" for pk in mine} == uids
    assert Checkpoint.objects.filter(tour__employee=employee).values_list("pk", flat=True).count() > 0
    foreign = Checkpoint.objects.filter(organization__slug="globex").values_list("pk", flat=True)
    assert foreign and not uids & {f"checkpoint-{pk}@localhost" for pk in foreign}


def test_hr_s_feed_holds_only_their_own_and_their_reports_checkpoints_not_everyones(login, hr):
    url = _make_feed(login(hr))
    uids = set(_events(login(None).get(_feed_path(url)).content))
    theirs = Checkpoint.objects.filter(tour__employee__manager=hr) | Checkpoint.objects.filter(tour__employee=hr)
    assert uids == {f"checkpoint-{pk}@localhost" for pk in theirs.values_list("pk", flat=True)}


def test_the_feed_is_in_the_members_language(login, employee):
    employee.user.language = "en"
    employee.user.save(update_fields=["language"])
    url = _make_feed(login(employee))
    body = login(None).get(_feed_path(url)).content.decode()
    assert "SUMMARY:Checkpoint" in body or "SUMMARY:Closing review" in body


@pytest.mark.parametrize(
    "token",
    ["unknown", "A" * 43, "../../etc/passwd", "%00", "' OR 1=1 --"],
)
def test_an_unknown_token_is_404(db, login, token):
    from urllib.parse import quote

    response = login(None).get(f"/calendar/{quote(token, safe='')}.ics")
    assert response.status_code == 404


def test_making_a_new_address_revokes_the_old_one(login, employee):
    client = login(employee)
    old = _make_feed(client)
    new = _make_feed(client)
    assert old != new
    assert login(None).get(_feed_path(old)).status_code == 404
    assert login(None).get(_feed_path(new)).status_code == 200
    assert CalendarFeed.objects.filter(membership=employee, revoked_at__isnull=True).count() == 1


def test_revoking_asks_first_then_the_address_answers_404(login, employee):
    client = login(employee)
    url = _make_feed(client)
    revoke = reverse("checkpoints:calendar_revoke", args=["acme"])
    confirmation = client.get(revoke)
    assert confirmation.status_code == 200 and 'class="danger"' in confirmation.content.decode()
    assert login(None).get(_feed_path(url)).status_code == 200, "asking changes nothing"
    response = client.post(revoke)
    assert response.status_code == 302
    assert login(None).get(_feed_path(url)).status_code == 404
    feed = CalendarFeed.objects.filter(membership=employee).order_by("-pk").first()
    assert feed.revoked_at is not None, "kept, not deleted"
    assert client.get(revoke).status_code == 302, "nothing left to revoke: back to the feed page"


@pytest.mark.parametrize("ended", ["left the organization", "account deactivated"])
def test_a_member_who_left_or_whose_account_is_off_has_a_dead_feed(login, employee, ended):
    url = _make_feed(login(employee))
    if ended == "left the organization":
        Membership.objects.filter(pk=employee.pk).update(status="alumni")
    else:
        User.objects.filter(pk=employee.user_id).update(is_active=False)
    assert login(None).get(_feed_path(url)).status_code == 404


def test_the_feed_answers_get_only(login, employee):
    url = _make_feed(login(employee))
    assert login(None).post(_feed_path(url)).status_code == 405


def test_the_feeds_queries_do_not_grow_with_checkpoints(login, manager, django_assert_max_num_queries):
    url = _make_feed(login(manager))
    tour = Checkpoint.objects.filter(tour__employee__manager=manager).first().tour
    Checkpoint.objects.bulk_create(
        Checkpoint(organization_id=tour.organization_id, tour=tour, sequence=200 + n, due_date=tour.end_date)
        for n in range(40)
    )
    client = login(None)
    with django_assert_max_num_queries(4):
        assert client.get(_feed_path(url)).status_code == 200


def test_my_alliance_links_the_feed_page_and_a_reports_page_does_not(login, manager, employee):
    mine = login(employee).get(reverse("agreements:mine", args=["acme"])).content.decode()
    assert reverse("checkpoints:calendar", args=["acme"]) in mine
    report = login(manager).get(reverse("agreements:person", args=["acme", employee.pk])).content.decode()
    assert reverse("checkpoints:calendar", args=["acme"]) not in report


def test_two_clicks_at_once_leave_one_live_feed(employee):
    services.calendar_feed_create(membership=employee)
    services.calendar_feed_create(membership=employee)
    assert CalendarFeed.objects.filter(membership=employee, revoked_at__isnull=True).count() == 1
