"""Leaving well (alumni.services.departures and its pages): who starts a departure for whom, its rules, edit,
cancel (kept, never deleted), the exit conversation and who reads which answer, the list and the home card."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from alliance.audit import REDACTED
from alliance.conflicts import StateConflict
from alliance.models import AuditEntry, Membership, Notice, Role
from alumni.models import Departure, DepartureStatus
from alumni.models.departures import EXIT_ANSWER_FIELDS
from alumni.selectors import departures as selectors
from alumni.services import departures as services
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def today():
    return timezone.localdate()


def details(today, **extra):
    return {"last_day": today + timedelta(days=10), "kind": "career_step", "tour_completed": False, **extra}


@pytest.fixture
def start(today):
    def make(actor, member, reports_to=None, **extra):
        return services.departure_start(
            actor=actor, membership=member, data=details(today, **extra), reports_to=reports_to
        )

    return make


@pytest.fixture
def member05(db):
    return Membership.objects.get(user__email="member05@acme.example")


@pytest.fixture
def member01(db):
    return Membership.objects.get(user__email="member01@acme.example")


# --- who starts a departure for whom ---------------------------------------------------------------------------

WHO_STARTS = [
    # (actor, leaver, allowed)
    ("hr", "employee", True),
    ("hr", "member01", True),
    ("manager", "employee", True),  # a direct report
    ("manager", "manager", True),  # themself
    ("employee", "employee", True),  # themself
    ("employee", "member01", False),  # a colleague
    ("other_manager", "employee", False),  # not their report
    ("manager", "hr", False),  # their own manager
]


@pytest.mark.parametrize("actor, leaver, allowed", WHO_STARTS)
def test_hr_starts_for_anyone_a_manager_for_reports_and_oneself_anyone_for_oneself(
    db, request, start, actor, leaver, allowed
):
    actor_m, leaver_m = request.getfixturevalue(actor), request.getfixturevalue(leaver)
    if not allowed:
        with pytest.raises(PermissionDenied):
            start(actor_m, leaver_m)
        return
    departure = start(actor_m, leaver_m, reports_to=request.getfixturevalue("hr") if leaver == "manager" else None)
    assert departure.status == DepartureStatus.PLANNED
    assert departure.manager_id == leaver_m.manager_id, "the manager is snapshotted from the membership"
    assert departure.started_by == actor_m
    assert AuditEntry.objects.filter(action="departure.start", object_id=str(departure.pk)).count() == 1


def test_an_alumnus_cannot_be_given_a_departure(hr, alumni, start):
    with pytest.raises(PermissionDenied):
        start(hr, alumni)


LAST_DAYS = [
    # (days from today, or "before_joining", error or None)
    (0, None),
    (30, None),
    (-1, "The last working day is today or later."),
    ("before_joining", "cannot be before the person joined"),
]


@pytest.mark.parametrize("offset, error", LAST_DAYS)
def test_the_last_day_is_today_or_later_and_not_before_joining(db, hr, employee, today, offset, error):
    if offset == "before_joining":
        employee.joined_on = today + timedelta(days=5)
        employee.save(update_fields=["joined_on"])
        last_day = today + timedelta(days=4)
    else:
        last_day = today + timedelta(days=offset)
    data = {"last_day": last_day, "kind": "study"}
    if error is None:
        assert services.departure_start(actor=hr, membership=employee, data=data).last_day == last_day
    else:
        with pytest.raises(ValidationError) as raised:
            services.departure_start(actor=hr, membership=employee, data=data)
        assert error in str(raised.value.message_dict["last_day"])


def test_one_planned_departure_per_member_with_a_clear_message(hr, employee, start):
    start(employee, employee)
    with pytest.raises(ValidationError) as raised:
        start(hr, employee)
    assert "A departure is planned for this person already" in str(raised.value.message_dict["membership"])


def test_a_cancelled_departure_does_not_stop_a_new_one(employee, start):
    first = start(employee, employee)
    services.departure_cancel(actor=employee, departure=first, reason="残ることにした")
    assert start(employee, employee).pk != first.pk


REPORTS_TO = [
    # (who is named, error expected)
    (None, "This person has reports"),
    ("employee", "Choose an active manager or HR member"),  # not a manager
    ("manager", "Choose an active manager or HR member"),  # the leaver themself
    ("alumni", "Choose an active manager or HR member"),  # not active
    ("other_manager", "Choose an active manager or HR member"),  # one of the leaver's own reports (demo)
    ("hr", None),
]


@pytest.mark.parametrize("named, error", REPORTS_TO)
def test_hr_names_an_active_manager_who_takes_the_leavers_reports(request, hr, manager, start, named, error):
    reports_to = request.getfixturevalue(named) if named else None
    if error is None:
        assert start(hr, manager, reports_to=reports_to).reports_to == reports_to
        return
    with pytest.raises(ValidationError) as raised:
        start(hr, manager, reports_to=reports_to)
    assert error in str(raised.value.message_dict["reports_to"])


def test_one_of_the_leavers_own_reports_cannot_take_them(hr, manager, start):
    report = MembershipFactory(organization=manager.organization, role=Role.MANAGER, manager=manager)
    with pytest.raises(ValidationError) as raised:
        start(hr, manager, reports_to=report)
    assert "Choose an active manager or HR member" in str(raised.value.message_dict["reports_to"])


def test_only_hr_names_who_takes_the_reports(manager, hr, start):
    departure = start(manager, manager, reports_to=hr)
    assert departure.reports_to is None


def test_the_person_their_manager_and_hr_are_told_but_not_the_starter(
    employee, manager, hr, start, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        departure = start(employee, employee)
    told = set(
        Notice.objects.filter(kind="departure-started", object_id=departure.pk).values_list("recipient", flat=True)
    )
    hr_ids = set(
        Membership.objects.filter(organization=employee.organization, role=Role.HR, status="active").values_list(
            "pk", flat=True
        )
    )
    assert told == {manager.pk} | hr_ids
    assert employee.pk not in told


# --- edit and cancel -------------------------------------------------------------------------------------------


def test_edit_while_planned_is_audited_and_refused_once_cancelled(employee, manager, start, today):
    departure = start(employee, employee)
    services.departure_update(actor=manager, departure=departure, data=details(today, kind="family"))
    departure.refresh_from_db()
    assert departure.kind == "family"
    entry = AuditEntry.objects.get(action="departure.update", object_id=str(departure.pk))
    assert entry.changes["kind"] == ["career_step", "family"]
    services.departure_cancel(actor=employee, departure=departure, reason="やはり残ります")
    with pytest.raises(StateConflict):
        services.departure_update(actor=manager, departure=departure, data=details(today))


CANCEL_DAYS = [
    # (last day relative to today, may cancel)
    (1, True),
    (0, True),  # on the last day, while still planned
    (-1, False),  # after the last day
]


@pytest.mark.parametrize("offset, may_cancel", CANCEL_DAYS)
def test_a_departure_is_cancelled_until_its_last_day_and_kept(employee, start, today, offset, may_cancel):
    departure = start(employee, employee)
    Departure.objects.filter(pk=departure.pk).update(last_day=today + timedelta(days=offset))
    departure.refresh_from_db()
    if not may_cancel:
        with pytest.raises(StateConflict):
            services.departure_cancel(actor=employee, departure=departure, reason="残ります")
        return
    services.departure_cancel(actor=employee, departure=departure, reason="残ります")
    departure.refresh_from_db()
    assert departure.status == DepartureStatus.CANCELLED
    assert (departure.cancelled_by, departure.cancel_reason) == (employee.user, "残ります")
    assert departure.cancelled_at is not None


def test_a_cancellation_needs_a_reason(employee, start):
    departure = start(employee, employee)
    with pytest.raises(ValidationError) as raised:
        services.departure_cancel(actor=employee, departure=departure, reason="  ")
    assert "reason" in raised.value.message_dict


def test_the_cancel_page_confirms_then_cancels_and_after_the_last_day_answers_409(login, employee, start, today):
    departure = start(employee, employee)
    client = login(employee, language="en")
    url = reverse("alumni:departure_cancel", args=["acme", departure.pk])
    page = client.get(url).content.decode()
    assert "Nothing is deleted" in page
    assert Departure.objects.get(pk=departure.pk).status == "planned", "opening the page changes nothing"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Say why the departure is cancelled" in response.content.decode()
    Departure.objects.filter(pk=departure.pk).update(last_day=today - timedelta(days=1))
    assert client.get(url).status_code == 409
    assert client.post(url, {"reason": "残ります"}).status_code == 409
    assert Departure.objects.get(pk=departure.pk).status == "planned"


def test_the_start_page_keeps_what_was_typed_and_names_the_field(login, employee, today):
    client = login(employee, language="en")
    url = reverse("alumni:departure_start", args=["acme"])
    response = client.post(
        url,
        {
            "membership": employee.pk,
            "last_day": (today - timedelta(days=3)).isoformat(),
            "kind": "study",
            "personal_email": "me@example.com",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The last working day is today or later." in page
    assert 'value="me@example.com"' in page
    response = client.post(
        url, {"membership": employee.pk, "last_day": (today + timedelta(days=30)).isoformat(), "kind": "study"}
    )
    departure = Departure.objects.get(membership=employee, status="planned")
    assert response.status_code == 302 and response["Location"] == reverse(
        "alumni:departure", args=["acme", departure.pk]
    )


# --- the exit conversation -------------------------------------------------------------------------------------

ANSWERS = {
    "takes_with": "顧客と課題を定義する力",
    "keep_doing": "キャリアの1on1",
    "should_change": "SECRET-評価の基準がばらばら",
    "comeback_note": "SECRET-業務委託なら関わりたい",
    "wants_from_community": "勉強会の案内",
}
QUOTABLE = {"takes_with", "keep_doing", "wants_from_community"}


@pytest.fixture
def conversation(employee, start):
    departure = start(employee, employee)
    data = {**ANSWERS, **{f"{f}_quotable": f in QUOTABLE for f in EXIT_ANSWER_FIELDS}, "comeback": "maybe"}
    return services.conversation_update(actor=employee, departure=departure, data=data)


def test_only_the_person_fills_the_exit_conversation(conversation, manager, hr):
    for other in (manager, hr):
        with pytest.raises(PermissionDenied):
            services.conversation_update(actor=other, departure=conversation, data={})


def test_the_audit_trail_keeps_which_answers_changed_not_their_words(conversation):
    entry = AuditEntry.objects.get(action="departure.conversation", object_id=str(conversation.pk))
    assert entry.changes["should_change"] == [REDACTED, REDACTED]
    assert entry.changes["takes_with_quotable"] == [False, True]
    assert "SECRET" not in str(entry.changes)


def _hr_who_manages(employee):
    """An HR member who is the employee's manager when the departure starts."""
    boss = MembershipFactory(organization=employee.organization, role=Role.HR)
    employee.manager = boss
    employee.save(update_fields=["manager"])
    return boss


VISIBILITY = [
    # (viewer, reads)  "all": every answer; "quotable": only the quotable ones; None: 404
    ("employee", "all"),  # the person
    ("manager", "all"),  # the departure's manager
    ("hr", "quotable"),
    ("hr_manager", "all"),  # HR who is also the departure's manager reads as the manager
    ("other_manager", None),
    ("member01", None),  # a colleague
    ("alumni", None),
]


@pytest.mark.parametrize("viewer, reads", VISIBILITY)
def test_who_reads_which_answer_of_the_exit_conversation(request, login, employee, start, viewer, reads):
    hr_manager = _hr_who_manages(employee) if viewer == "hr_manager" else None
    departure = start(employee, employee)
    data = {**ANSWERS, **{f"{f}_quotable": f in QUOTABLE for f in EXIT_ANSWER_FIELDS}, "comeback": "maybe"}
    services.conversation_update(actor=employee, departure=departure, data=data)
    member = hr_manager or request.getfixturevalue(viewer)
    response = login(member, language="en").get(reverse("alumni:departure", args=["acme", departure.pk]))
    if reads is None:
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert response.status_code == 200
    shown = {field for field, text in ANSWERS.items() if text in page}
    assert shown == (set(ANSWERS) if reads == "all" else QUOTABLE)


def test_hrs_page_never_renders_an_answer_not_marked_quotable(login, hr, conversation):
    page = login(hr, language="en").get(reverse("alumni:departure", args=["acme", conversation.pk])).content.decode()
    assert "SECRET" not in page
    assert 'data-answer="should_change"' not in page and 'data-answer="comeback_note"' not in page
    assert "2 other answers stay between the person and their manager." in page
    assert ANSWERS["takes_with"] in page


def test_the_conversation_page_is_the_persons_only(login, conversation, manager, hr):
    url = reverse("alumni:departure_conversation", args=["acme", conversation.pk])
    assert login(manager).get(url).status_code == 403
    assert login(hr).get(url).status_code == 403
    assert login(manager).post(url, {"takes_with": "x"}).status_code == 403


def test_the_person_saves_answers_and_consents_from_the_page(login, employee, start):
    departure = start(employee, employee)
    url = reverse("alumni:departure_conversation", args=["acme", departure.pk])
    response = login(employee, language="en").post(
        url, {"takes_with": "学び", "takes_with_quotable": "on", "should_change": "秘密", "comeback": "yes"}
    )
    assert response.status_code == 302
    departure.refresh_from_db()
    assert (departure.takes_with, departure.takes_with_quotable) == ("学び", True)
    assert (departure.should_change, departure.should_change_quotable) == ("秘密", False)
    assert departure.comeback == "yes"


# --- the list and the home card --------------------------------------------------------------------------------


def test_the_list_puts_planned_first_and_a_manager_sees_only_their_reports(login, hr, manager, employee, start, today):
    planned = start(employee, employee)
    other = MembershipFactory(organization=hr.organization, manager=hr)
    theirs = start(hr, other)
    hr_page = login(hr, language="en").get(reverse("alumni:departures", args=["acme"])).content.decode()
    rows = [d.pk for d in selectors.departure_list(viewer=hr)]
    assert rows.index(planned.pk) < rows.index(
        Departure.objects.filter(organization=hr.organization, status="completed").first().pk
    )
    assert reverse("alumni:departure", args=["acme", theirs.pk]) in hr_page
    manager_page = login(manager, language="en").get(reverse("alumni:departures", args=["acme"])).content.decode()
    assert reverse("alumni:departure", args=["acme", planned.pk]) in manager_page
    assert reverse("alumni:departure", args=["acme", theirs.pk]) not in manager_page
    cancelled = login(hr).get(reverse("alumni:departures", args=["acme"]), {"status": "cancelled"}).content.decode()
    assert reverse("alumni:departure", args=["acme", planned.pk]) not in cancelled


def test_the_list_stays_within_a_few_queries_however_many_departures(login, hr, today, django_assert_max_num_queries):
    for n in range(30):
        member = MembershipFactory(organization=hr.organization, manager=hr)
        Departure.objects.create(
            organization=hr.organization,
            membership=member,
            manager=hr,
            started_by=hr,
            kind="other",
            last_day=today + timedelta(days=n + 1),
            status="planned" if n % 2 else "completed",
        )
    client = login(hr)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("alumni:departures", args=["acme"])).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("alumni:departures", args=["acme"]), {"page": 2}).status_code == 200


@pytest.mark.parametrize("viewer, sees", [("employee", True), ("manager", True), ("hr", True), ("member01", False)])
def test_the_home_page_shows_a_planned_departure_to_the_person_their_manager_and_hr(
    request, login, employee, start, viewer, sees
):
    departure = start(employee, employee)
    page = (
        login(request.getfixturevalue(viewer), language="en").get(reverse("dashboard", args=["acme"])).content.decode()
    )
    assert (reverse("alumni:departure", args=["acme", departure.pk]) in page) is sees


def test_the_demo_has_a_departure_in_progress_partly_answered(db, today):
    for slug in ("acme", "globex"):
        departure = Departure.objects.get(
            organization__slug=slug, status="planned", membership__user__email=f"member05@{slug}.example"
        )
        assert 14 <= (departure.last_day - today).days <= 28
        quotable = [getattr(departure, f"{f}_quotable") for f in EXIT_ANSWER_FIELDS]
        assert any(quotable) and not all(quotable)
        assert not departure.wants_from_community, "partly filled"


@pytest.mark.parametrize(
    ("viewer", "note_quotable", "shown"),
    [
        ("hr", False, False),  # the choice shares the comeback note's consent
        ("hr", True, True),
        ("manager", False, True),  # the departure's manager reads every answer
        ("employee", False, True),
    ],
)
def test_the_comeback_choice_reaches_hr_only_with_the_notes_consent(
    request, login, employee, start, viewer, note_quotable, shown
):
    departure = start(employee, employee)
    data = {**ANSWERS, **{f"{f}_quotable": False for f in EXIT_ANSWER_FIELDS}, "comeback": "yes"}
    data["comeback_note_quotable"] = note_quotable
    services.conversation_update(actor=employee, departure=departure, data=data)
    member = request.getfixturevalue(viewer)
    page = login(member, language="en").get(reverse("alumni:departure", args=["acme", departure.pk])).content.decode()
    assert ("Would consider coming back or working together" in page) is shown


@pytest.mark.parametrize("viewer, own", [("hr", True), ("manager", True), ("manager", False), ("employee", True)])
def test_the_home_card_shows_the_own_departure_and_the_nearest_five_followed_with_their_count(
    request, today, manager, hr, django_assert_num_queries, viewer, own
):
    viewer_m = request.getfixturevalue(viewer)
    for n in range(8):  # some under the manager, some under HR, on different last days
        Departure.objects.create(
            organization=hr.organization,
            membership=MembershipFactory(organization=hr.organization, manager=manager if n % 2 else hr),
            manager=manager if n % 2 else hr,
            started_by=hr,
            kind="other",
            last_day=today + timedelta(days=30 - 3 * n),
            status="planned" if n != 3 else "cancelled",
        )
    if own:
        Departure.objects.create(
            organization=hr.organization,
            membership=viewer_m,
            manager=hr,
            started_by=hr,
            kind="other",
            last_day=today + timedelta(days=40),
            status="planned",
        )
    planned = Departure.objects.filter(organization=hr.organization, status="planned")
    followed = sorted(
        (d for d in planned if d.membership_id != viewer_m.pk and (viewer == "hr" or d.manager_id == viewer_m.pk)),
        key=lambda d: (d.last_day, d.pk),
    )
    with django_assert_num_queries(1):
        card = selectors.dashboard_card(membership=viewer_m, today=today)
    assert card.own == (planned.get(membership=viewer_m) if own else None)
    assert [d.pk for d in card.others] == [d.pk for d in followed[:5]]
    assert card.total == len(followed)
    assert all(d.membership.user.display_name for d in card.others)


def test_the_home_card_is_none_without_a_planned_departure(db, employee, today):
    assert selectors.dashboard_card(membership=employee, today=today) is None
