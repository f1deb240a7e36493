"""Holes found by attacking issue 9 (checkpoints: the meeting, reminders, calendars, amendments, the end of a tour,
the KPI picture and the timeline) as a tester would; each test is a kind of fault, as a table of the places or
inputs where it could appear."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements.models import Tour, TourStatus
from alliance import notices
from alliance.models import Membership, Notice, Organization
from checkpoints import calendar, ending_notices, services
from checkpoints.models import TEXT_MAX, CalendarFeed, Checkpoint, EndingKind, EndingStatus, TourEnding

REASON = "社内公募で別チームへの異動が決まったため"
DECLINE_WHY = "秘密の理由: 新しいマネージャーとだけ話したい"


@pytest.fixture
def tour(employee):
    """The demo employee's active, signed tour (its checkpoints scheduled by the signature)."""
    return Tour.objects.get(employee=employee, status=TourStatus.ACTIVE)


def _change_manager(employee, new_manager):
    Membership.objects.filter(pk=employee.pk).update(manager=new_manager)
    employee.refresh_from_db()


# --- notices about a proposal to end a tour reach whoever holds the side now -------------------------------------


def test_a_decline_is_told_to_the_side_that_proposed_not_to_a_former_manager(
    tour, employee, manager, other_manager, django_capture_on_commit_callbacks
):
    """The manager proposes, then the employee moves to another manager (who now holds the manager side and may
    withdraw), and the employee declines: the reason went to the former manager, who is no longer a party."""
    ending = services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=REASON)
    _change_manager(employee, other_manager)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.tour_ending_decline(ending=ending, actor=employee, reason=DECLINE_WHY)
    told = set(Notice.objects.filter(kind=ending_notices.DECLINED).values_list("recipient_id", flat=True))
    assert told == {other_manager.pk}
    assert not [m for m in mail.outbox if manager.user.email in m.to]
    assert not any(DECLINE_WHY in m.body for m in mail.outbox if other_manager.user.email not in m.to)


@pytest.mark.parametrize("proposer", ["employee", "manager"])
def test_a_queued_proposal_notice_is_not_sent_to_someone_no_longer_the_answering_side(
    tour, employee, manager, other_manager, proposer, django_capture_on_commit_callbacks
):
    """The notice is queued when the proposal is made and sent by a worker (retried for hours when the mail
    server is down): by then the employee may have a new manager."""
    actor = employee if proposer == "employee" else manager
    with django_capture_on_commit_callbacks(execute=False):
        ending = services.tour_ending_propose(tour=tour, actor=actor, kind=EndingKind.ENDED_EARLY, reason=REASON)
    notice = Notice.objects.get(kind=ending_notices.PROPOSED, object_id=ending.pk)
    _change_manager(employee, other_manager)
    mail.outbox.clear()
    notices.deliver(notice.pk, organization_id=notice.organization_id)
    notice.refresh_from_db()
    if proposer == "employee":  # it waited on the former manager
        assert notice.state == "skipped" and not mail.outbox
    else:  # the employee still answers
        assert notice.state == "sent"


# --- unbounded texts at the end of a tour ------------------------------------------------------------------------

LONG = "長" * 20_000


@pytest.mark.parametrize(
    "step",
    ["propose early", "propose completed note", "decline", "hr end", "outcome note", "outcome destination"],
)
def test_texts_at_the_end_of_a_tour_are_bounded_as_the_meetings_are(tour, employee, manager, hr, step):
    """Every other text of a checkpoint (agenda, action, correction, cancel reason) stops at TEXT_MAX
    characters; a 20,000-character reason went into the tour page, the other side's e-mail and the audit row."""
    assert len(LONG) > TEXT_MAX
    with pytest.raises(ValidationError) as error:
        if step == "propose early":
            services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=LONG)
        elif step == "propose completed note":
            Checkpoint.objects.filter(tour=tour, kind="closing").update(status="held")
            services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.COMPLETED, reason=LONG)
        elif step == "decline":
            ending = services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=REASON)
            services.tour_ending_decline(ending=ending, actor=employee, reason=LONG)
        elif step == "hr end":
            services.tour_end_by_hr(tour=tour, actor=hr, reason=LONG, person_leaving=True)
        else:
            ending = services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=REASON)
            services.tour_ending_confirm(ending=ending, actor=employee)
            if step == "outcome note":
                services.tour_outcome_record(tour=tour, actor=manager, kind="moved_outside", note=LONG)
            else:
                services.tour_outcome_record(tour=tour, actor=manager, kind="moved_inside", destination=LONG[:201])
    field = {"outcome note": "note", "outcome destination": "destination"}.get(step, "reason")
    assert field in error.value.message_dict


# --- iCalendar injection -----------------------------------------------------------------------------------------

INJECTIONS = [
    "Title\r\nATTENDEE:mailto:evil@example.com",
    "Title\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:forged",
    "Title;with,special\\chars",
    "Title\x07\x1b[31m\x7f",  # NUL never reaches the database: the forms refuse it (PostgreSQL too)
]


@pytest.mark.parametrize("title", INJECTIONS)
@pytest.mark.parametrize("where", ["invite", "feed"])
def test_newlines_in_a_title_or_name_never_add_lines_to_an_ics(
    tour, employee, manager, login, demo_checkpoint, title, where
):
    from icalendar import Calendar

    Tour.objects.filter(pk=tour.pk).update(title=title)
    type(employee.user).objects.filter(pk=employee.user.pk).update(name="名前\r\nORGANIZER:mailto:x@example.com")
    if where == "invite":
        body = login(employee).get(reverse("checkpoints:checkpoint_ics", args=["acme", demo_checkpoint.pk])).content
    else:  # the feed's name is the organization's
        Organization.objects.filter(pk=employee.organization_id).update(name=title)
        _, token = services.calendar_feed_create(membership=employee)
        body = login().get(reverse("calendar_feed", args=[token])).content
    lines = body.decode().split("\r\n")
    assert not [line for line in lines if line.startswith(("ATTENDEE", "ORGANIZER", "SUMMARY:forged"))]
    assert not [c for c in body.decode() if (ord(c) < 32 and c not in "\r\n") or ord(c) == 127]  # RFC 5545 TEXT
    events = Calendar.from_ical(body).walk("VEVENT")
    assert (
        len(events)
        == Checkpoint.objects.filter(
            tour__employee=employee, tour__status__in=["active", "completed", "ended_early"]
        ).count()
        if where == "feed"
        else len(events) == 1
    )


# --- the public calendar feed ------------------------------------------------------------------------------------


def test_a_feed_never_serves_a_former_reports_checkpoints(tour, employee, manager, other_manager, login):
    _, token = services.calendar_feed_create(membership=manager)
    client = login()
    uid = calendar.checkpoint_uid(Checkpoint.objects.filter(tour=tour).first())
    assert uid in client.get(reverse("calendar_feed", args=[token])).content.decode()
    _change_manager(employee, other_manager)
    assert uid not in client.get(reverse("calendar_feed", args=[token])).content.decode()


@pytest.mark.parametrize(
    "token",
    ["revoked", "replaced", "left", "unknown", "empty-ish", "hash itself", "other case"],
)
def test_a_feed_url_that_no_longer_works_answers_404(employee, hr, login, token):
    feed, live = services.calendar_feed_create(membership=employee)
    if token == "revoked":
        services.calendar_feed_revoke(membership=employee)
    elif token == "replaced":
        services.calendar_feed_create(membership=employee)
    elif token == "left":
        Membership.objects.filter(pk=employee.pk).update(status="alumni")
    elif token == "unknown":
        live = "A" * 43
    elif token == "empty-ish":
        live = "-"
    elif token == "hash itself":
        live = feed.token_hash
    else:
        live = live.swapcase()
    response = login().get(reverse("calendar_feed", args=[live]))
    assert response.status_code == 404


def test_a_feed_is_never_stored_by_a_shared_cache_and_never_changes_state(employee, login):
    _, token = services.calendar_feed_create(membership=employee)
    client = login()
    response = client.get(reverse("calendar_feed", args=[token]))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/calendar")
    assert not response.cookies.get("sessionid")
    assert client.post(reverse("calendar_feed", args=[token])).status_code == 405


def test_a_feed_made_by_post_only_and_shown_once(employee, login):
    client = login(employee)
    url = reverse("checkpoints:calendar", args=["acme"])
    before = CalendarFeed.objects.filter(membership=employee).count()
    client.get(url)
    assert CalendarFeed.objects.filter(membership=employee).count() == before  # a GET makes nothing
    response = client.post(url)
    assert response["Cache-Control"] == "no-store"
    client.get(reverse("checkpoints:calendar_revoke", args=["acme"]))
    assert CalendarFeed.objects.filter(membership=employee, revoked_at__isnull=True).count() == 1


# --- hostile numbers: never a server error, never a stored NaN or overflow ----------------------------------------

NUMBERS = ["NaN", "nan", "Infinity", "-Infinity", "1e309", "-1e309", "1e-309", "9" * 40, "0x10", "１２", "1_000"]


@pytest.mark.parametrize("value", NUMBERS)
def test_hostile_kpi_values_in_a_checkpoint_record_are_form_errors(employee, login, demo_checkpoint, today, value):
    from tests.checkpoints.test_page import _kpis, _post

    kpi = _kpis(demo_checkpoint)[0]
    url = reverse("checkpoints:checkpoint", args=["acme", demo_checkpoint.pk])
    response = login(employee).post(url, _post(demo_checkpoint, "employee", today, **{f"kpi_{kpi.pk}_value": value}))
    assert response.status_code in (200, 302)
    from checkpoints.models import KpiMeasurement

    for stored in KpiMeasurement.objects.filter(checkpoint=demo_checkpoint).values_list("value", flat=True):
        assert stored.is_finite() and abs(stored) < 10**12


@pytest.mark.parametrize("value", NUMBERS)
@pytest.mark.parametrize("field", ["target", "baseline", "weight"])
def test_hostile_kpi_targets_in_an_amendment_are_form_errors(tour, manager, login, value, field):
    from agreements.models import AgreementVersion
    from tests.agreements.test_amendment_diff import _amend_url, _form

    checkpoint = Checkpoint.objects.filter(tour=tour).order_by("sequence").first()
    versions = AgreementVersion.objects.filter(agreement=tour.agreement)
    before = versions.count()
    response = login(manager).post(_amend_url(checkpoint), _form(checkpoint, **{f"kpi-0-{field}": value}))
    if response.status_code == 302:  # accepted: then it was a number the model holds
        stored = getattr(versions.order_by("-number").first().kpis.order_by("position", "id").first(), field)
        assert stored is None or (stored.is_finite() and abs(stored) < 10**12)
    else:
        assert response.status_code == 200
        assert versions.count() == before


# --- hostile text through every form of the meeting and the end of a tour -------------------------------------------

HOSTILE_TEXTS = {
    "NUL": "before\x00after",
    "script": "<script>alert(1)</script>",
    "only controls": "\x01\x02\x7f",
}


def _meeting_posts(checkpoint, tour):
    """(URL name, args, field data) of each text form, by who posts it."""
    return [
        ("checkpoints:agenda_add", [checkpoint.pk], "agenda-text"),
        ("checkpoints:cancel", [checkpoint.pk], "reason"),
        ("checkpoints:tour_end_early", [tour.pk], "reason"),
    ]


@pytest.mark.parametrize("text", list(HOSTILE_TEXTS))
@pytest.mark.parametrize("form", ["agenda", "cancel", "end early", "decline", "hr end", "outcome"])
def test_hostile_text_in_a_form_is_refused_or_shown_escaped(
    tour, employee, manager, hr, login, demo_checkpoint, form, text
):
    value = HOSTILE_TEXTS[text]
    ending = None
    if form == "agenda":
        actor, url, data = employee, reverse("checkpoints:agenda_add", args=["acme", demo_checkpoint.pk]), {}
        data = {"agenda-text": value}
    elif form == "cancel":
        actor, url = manager, reverse("checkpoints:cancel", args=["acme", demo_checkpoint.pk])
        data = {"cancel-reason": value, "reason": value}
    elif form == "end early":
        actor, url, data = manager, reverse("checkpoints:tour_end_early", args=["acme", tour.pk]), {"reason": value}
    elif form == "decline":
        ending = services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=REASON)
        actor, url = employee, reverse("checkpoints:ending_decline", args=["acme", ending.pk])
        data = {"reason": value}
    elif form == "hr end":
        actor, url = hr, reverse("checkpoints:tour_end_now", args=["acme", tour.pk])
        data = {"reason": value, "person_leaving": "on"}
    else:
        services.tour_ending_confirm(
            ending=services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=REASON),
            actor=employee,
        )
        actor, url = manager, reverse("checkpoints:tour_outcome", args=["acme", tour.pk])
        data = {"kind": "moved_inside", "destination": value, "note": value}
    client = login(actor)
    response = client.post(url, data)
    assert response.status_code in (200, 302), response.status_code
    for page in (
        reverse("checkpoints:checkpoint", args=["acme", demo_checkpoint.pk]),
        reverse("agreements:tour", args=["acme", tour.pk]),
        reverse("checkpoints:timeline", args=["acme", employee.pk]),
    ):
        body = login(manager).get(page).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "\x00" not in body


# --- people who are no longer a party: a former manager, a demoted manager, the person after they left ------------


def _as_no_longer_party(who, employee, manager, other_manager):
    """Make `who` someone who was a party of the demo employee's tour and is no longer; returns the actor."""
    from alliance.models import Role

    if who == "former manager":
        _change_manager(employee, other_manager)
        return manager
    if who == "demoted manager":
        Membership.objects.filter(pk=manager.pk).update(role=Role.EMPLOYEE)
        manager.refresh_from_db()
        return manager
    Membership.objects.filter(pk=employee.pk).update(status="alumni")  # the person after they left
    employee.refresh_from_db()
    return employee


def _posts(tour, checkpoint, topic, action, ending):
    return {
        "agenda add": (reverse("checkpoints:agenda_add", args=["acme", checkpoint.pk]), {"agenda-text": "x"}),
        "agenda withdraw": (
            reverse("checkpoints:agenda_withdraw", args=["acme", checkpoint.pk, topic.pk]),
            {},
        ),
        "action done": (
            reverse("checkpoints:action_done", args=["acme", action.checkpoint_id, action.pk]),
            {},
        ),
        "cancel": (reverse("checkpoints:cancel", args=["acme", checkpoint.pk]), {"reason": "x"}),
        "end early": (reverse("checkpoints:tour_end_early", args=["acme", tour.pk]), {"reason": "x"}),
        "confirm": (reverse("checkpoints:ending_confirm", args=["acme", ending.pk]), {}),
        "decline": (reverse("checkpoints:ending_decline", args=["acme", ending.pk]), {"reason": "x"}),
        "withdraw": (reverse("checkpoints:ending_withdraw", args=["acme", ending.pk]), {}),
        "amend": (reverse("checkpoints:amend", args=["acme", checkpoint.pk]), {"reason": "x"}),
    }


POST_NAMES = [
    "agenda add",
    "agenda withdraw",
    "action done",
    "cancel",
    "end early",
    "confirm",
    "decline",
    "withdraw",
    "amend",
]


@pytest.mark.parametrize("name", POST_NAMES)
@pytest.mark.parametrize("who", ["former manager", "demoted manager", "left"])
def test_someone_no_longer_a_party_changes_nothing(
    tour, employee, manager, other_manager, login, demo_checkpoint, who, name
):
    from alliance.models import AuditEntry
    from checkpoints.models import NextAction

    topic = services.agenda_topic_add(checkpoint=demo_checkpoint, actor=manager, text="話したいこと")
    topic_as_employee = services.agenda_topic_add(checkpoint=demo_checkpoint, actor=employee, text="私の話題")
    action = NextAction.objects.filter(checkpoint__tour=tour, done_at__isnull=True).first()
    proposer = employee if who != "left" else manager
    ending = services.tour_ending_propose(tour=tour, actor=proposer, kind=EndingKind.ENDED_EARLY, reason=REASON)
    actor = _as_no_longer_party(who, employee, manager, other_manager)
    if actor == employee:
        topic = topic_as_employee
    if action is None and name == "action done":
        pytest.skip("the demo has no open action on this tour")
    url, data = _posts(tour, demo_checkpoint, topic, action, ending)[name]
    entries = AuditEntry.objects.count()
    response = login(actor).post(url, data)
    assert response.status_code in (403, 404), response.status_code
    assert AuditEntry.objects.count() == entries


# --- every state change is a POST: a GET (a link, a prefetch, an <img src>) changes nothing ------------------------


@pytest.mark.parametrize("name", POST_NAMES + ["calendar", "calendar revoke", "end now", "outcome", "next"])
@pytest.mark.parametrize("role", ["employee", "manager", "hr"])
def test_a_get_of_a_state_changing_url_changes_nothing(tour, employee, manager, hr, login, demo_checkpoint, role, name):
    from alliance.models import AuditEntry
    from checkpoints.models import NextAction

    topic = services.agenda_topic_add(checkpoint=demo_checkpoint, actor=employee, text="私の話題")
    action = NextAction.objects.filter(checkpoint__tour=tour).first()
    proposer = manager if role == "employee" else employee
    ending = services.tour_ending_propose(tour=tour, actor=proposer, kind=EndingKind.ENDED_EARLY, reason=REASON)
    urls = {k: v[0] for k, v in _posts(tour, demo_checkpoint, topic, action or topic, ending).items()}
    urls |= {
        "calendar": reverse("checkpoints:calendar", args=["acme"]),
        "calendar revoke": reverse("checkpoints:calendar_revoke", args=["acme"]),
        "end now": reverse("checkpoints:tour_end_now", args=["acme", tour.pk]),
        "outcome": reverse("checkpoints:tour_outcome", args=["acme", tour.pk]),
        "next": reverse("checkpoints:tour_next", args=["acme", tour.pk]),
    }
    if name == "action done" and action is None:
        pytest.skip("the demo has no action on this tour")
    entries, feeds = AuditEntry.objects.count(), CalendarFeed.objects.filter(revoked_at__isnull=True).count()
    response = login({"employee": employee, "manager": manager, "hr": hr}[role]).get(urls[name])
    assert response.status_code in (200, 302, 403, 404, 409)
    assert AuditEntry.objects.count() == entries
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == feeds
    assert TourEnding.objects.get(pk=ending.pk).status == EndingStatus.PROPOSED


# --- HR acting on their own tour ----------------------------------------------------------------------------------


def test_hr_may_not_cancel_a_checkpoint_of_their_own_tour(tour, employee, manager, hr, login, demo_checkpoint):
    """HR cancels anyone's checkpoint (CANCEL_ANY_CHECKPOINT), but on their own tour they are the employee, who
    asks their manager: as HR may never end their own tour directly (access.can_end_directly)."""
    Membership.objects.filter(pk=hr.pk).update(manager=manager)
    Tour.objects.filter(pk=tour.pk).update(employee=hr)
    url = reverse("checkpoints:cancel", args=["acme", demo_checkpoint.pk])
    client = login(hr)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "自分で取り消す"}).status_code == 403
    assert Checkpoint.objects.get(pk=demo_checkpoint.pk).status == "scheduled"
    # Their manager still may, and HR still may cancel someone else's.
    assert login(manager).get(url).status_code == 200


# --- what people typed reaches a plain-text e-mail as they typed it -----------------------------------------------

TYPED = "R&D <チーム> \"移管\" 'だから'"


def test_a_plain_text_email_carries_the_reason_and_title_unescaped(
    tour, employee, manager, django_capture_on_commit_callbacks
):
    """Text bodies and subjects were HTML-escaped like a page: "R&D" read "R&amp;D" in the subject and the
    reason in the text part; the HTML part stays escaped."""
    Tour.objects.filter(pk=tour.pk).update(title=TYPED)
    tour.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=TYPED)
    (message,) = [m for m in mail.outbox if employee.user.email in m.to]
    assert TYPED in message.subject
    assert TYPED in message.body
    html = message.alternatives[0][0]
    assert "<チーム>" not in html and "&lt;チーム&gt;" in html


@pytest.mark.parametrize("length, accepted", [(2000, True), (2001, False), (200_000, False)])
def test_an_amendment_reason_is_bounded(tour, manager, login, length, accepted):
    """The reason is frozen into the signed snapshot and printed on every signer's PDF."""
    from agreements.models import AgreementVersion
    from tests.agreements.test_amendment_diff import _amend_url, _form

    checkpoint = Checkpoint.objects.filter(tour=tour).order_by("sequence").first()
    versions = AgreementVersion.objects.filter(agreement=tour.agreement)
    before = versions.count()
    response = login(manager).post(_amend_url(checkpoint), _form(checkpoint, reason="理" * length))
    assert (response.status_code, versions.count()) == ((302, before + 1) if accepted else (200, before))
    if not accepted:
        assert "reason" in response.context["form"].errors


# --- tampered ids: another checkpoint's topic or action in the URL ---------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "topic of another checkpoint",
        "topic of another person's tour",
        "action of a later checkpoint",
        "action of another person's tour",
    ],
)
def test_another_checkpoints_topic_or_action_is_not_found(tour, employee, manager, login, demo_checkpoint, case):
    from checkpoints.models import AgendaTopic, NextAction

    others = Checkpoint.objects.filter(organization=tour.organization).exclude(tour=tour)
    later = Checkpoint.objects.filter(tour=tour, sequence__gt=demo_checkpoint.sequence).order_by("sequence").first()
    org = tour.organization_id
    if case.startswith("topic"):
        where = later if case == "topic of another checkpoint" else others.first()
        topic = AgendaTopic.objects.create(
            organization_id=org, checkpoint=where, text="t", side="employee", added_by=employee
        )
        url = reverse("checkpoints:agenda_withdraw", args=["acme", demo_checkpoint.pk, topic.pk])
    else:
        where = later if case == "action of a later checkpoint" else others.first()
        action = NextAction.objects.create(
            organization_id=org, checkpoint=where, text="a", owner="employee", due_on=date(2031, 1, 1), added_by=manager
        )
        url = reverse("checkpoints:action_done", args=["acme", demo_checkpoint.pk, action.pk])
    assert where is not None
    assert login(employee).post(url).status_code == 404
    if case.startswith("action"):
        assert NextAction.objects.get(pk=action.pk).done_at is None
    else:
        assert AgendaTopic.objects.get(pk=topic.pk).withdrawn_at is None


# --- HR's unsent-notices page and a career alignment not shared with HR -------------------------------------------


def test_hrs_unsent_notices_never_reveal_an_alignment_not_shared_with_them(
    employee, manager, hr, login, make_alignment, django_capture_on_commit_callbacks
):
    """The employee's 1on1 record waits for their confirmation; its e-mail bounces. HR may not know of a career
    alignment the employee did not share (the timeline hides it from them); the unsent list named its kind, date
    and link."""
    from agreements import access as agreement_access
    from agreements.notices import ALIGNMENT_CONFIRM
    from alliance.models import NoticeState

    with django_capture_on_commit_callbacks(execute=False):
        alignment = make_alignment(actor=manager, held_on=date(2026, 3, 17))
    assert not agreement_access.visible_alignments(membership=hr).filter(pk=alignment.pk).exists()
    notice = Notice.objects.get(kind=ALIGNMENT_CONFIRM, object_id=alignment.pk)
    Notice.objects.filter(pk=notice.pk).update(state=NoticeState.FAILED, error="550 mailbox unavailable")
    page = login(hr, language="en").get(reverse("notifications_failed", args=["acme"])).content.decode()
    assert f'data-notice="{notice.pk}"' in page and "550 mailbox unavailable" in page  # HR still fixes the address
    assert "2026-03-17" not in page
    assert reverse("agreements:alignment_confirm", args=["acme", alignment.pk]) not in page
    assert "A 1on1 record waits for your confirmation" not in page


# --- CSRF: a state change posted from another site without the token is refused ---------------------------------


@pytest.mark.parametrize("name", POST_NAMES + ["calendar", "calendar revoke"])
def test_a_cross_site_post_without_the_token_changes_nothing(tour, employee, manager, demo_checkpoint, name):
    from django.test import Client

    from alliance.models import AuditEntry
    from checkpoints.models import NextAction

    topic = services.agenda_topic_add(checkpoint=demo_checkpoint, actor=employee, text="私の話題")
    action = NextAction.objects.filter(checkpoint__tour=tour).first()
    ending = services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=REASON)
    urls = dict(_posts(tour, demo_checkpoint, topic, action or topic, ending))
    urls |= {
        "calendar": (reverse("checkpoints:calendar", args=["acme"]), {}),
        "calendar revoke": (reverse("checkpoints:calendar_revoke", args=["acme"]), {}),
    }
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)
    entries = AuditEntry.objects.count()
    url, data = urls[name]
    assert client.post(url, data).status_code == 403
    assert AuditEntry.objects.count() == entries


# --- a double POST or a replayed form -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, second, status",
    [
        ("confirm", "confirm", 409),
        ("confirm", "decline", 409),
        ("decline", "confirm", 409),
        ("decline", "decline", 409),
    ],
)
def test_answering_a_proposal_twice_is_a_conflict_not_a_second_change(
    tour, employee, manager, login, first, second, status
):
    from alliance.models import AuditEntry

    ending = services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=REASON)
    client = login(employee)

    def post(answer):
        return client.post(reverse(f"checkpoints:ending_{answer}", args=["acme", ending.pk]), {"reason": "理由"})

    assert post(first).status_code == 302
    entries = AuditEntry.objects.count()
    assert post(second).status_code == status
    assert AuditEntry.objects.count() == entries
    assert TourEnding.objects.filter(tour=tour, status=EndingStatus.CONFIRMED).count() == (first == "confirm")


@pytest.mark.parametrize("form", ["agenda", "end early", "feed"])
def test_a_replayed_form_makes_one_record(tour, employee, manager, login, demo_checkpoint, form):
    from checkpoints.models import AgendaTopic

    client = login(employee)
    if form == "agenda":
        url, data = reverse("checkpoints:agenda_add", args=["acme", demo_checkpoint.pk]), {"agenda-text": "同じ話題"}
        count = lambda: AgendaTopic.objects.filter(checkpoint=demo_checkpoint, text="同じ話題").count()  # noqa: E731
        statuses = (302, 302)
    elif form == "end early":
        url, data = reverse("checkpoints:tour_end_early", args=["acme", tour.pk]), {"reason": REASON}
        count = lambda: TourEnding.objects.filter(tour=tour).count()  # noqa: E731
        statuses = (302, 409)
    else:
        url, data = reverse("checkpoints:calendar", args=["acme"]), {}
        count = lambda: CalendarFeed.objects.filter(membership=employee, revoked_at__isnull=True).count()  # noqa: E731
        statuses = (200, 200)
    assert (client.post(url, data).status_code, client.post(url, data).status_code) == statuses
    assert count() == 1


# --- malformed dates ------------------------------------------------------------------------------------------------

DATES = [
    "2031-02-30",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2031-13-01",
    "-1",
    "",
    "2031/06/01",
    "２０３１-０６-０１",
]


@pytest.mark.parametrize("value", DATES)
@pytest.mark.parametrize("form", ["amendment end", "action due"])
def test_malformed_dates_are_form_errors_not_server_errors(tour, employee, manager, login, value, form):
    from agreements.models import AgreementVersion
    from tests.agreements.test_amendment_diff import _amend_url, _form

    held = Checkpoint.objects.filter(tour=tour, status="held").first()
    if form == "amendment end":
        checkpoint = Checkpoint.objects.filter(tour=tour).order_by("sequence").first()
        before = AgreementVersion.objects.filter(agreement=tour.agreement).count()
        response = login(manager).post(_amend_url(checkpoint), _form(checkpoint, end_date=value))
        assert response.status_code == 200
        assert AgreementVersion.objects.filter(agreement=tour.agreement).count() == before
    else:
        if held is None:
            pytest.skip("the demo holds no checkpoint of this tour")
        url = reverse("checkpoints:action_add", args=["acme", held.pk])
        data = {"action-text": "やること", "action-owner": "employee", "action-due_on": value}
        response = login(employee).post(url, data)
        assert response.status_code in (200, 302, 409)
