"""Checkpoint reminders through the core notice scan (checkpoints/notices.py): each kind on its day and not
the day before, to the right people, once whatever runs twice, races or crashes."""

import smtplib
import threading
from datetime import datetime, time, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import DatabaseError, connection, connections
from django.db.models import Q
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from agreements.models import Tour
from alliance import notices
from alliance.models import Notice, NoticeState
from checkpoints import notices as reminders
from checkpoints.models import Checkpoint, CheckpointKind, CheckpointStatus

CHECKPOINT_KINDS = [reminders.UPCOMING, reminders.AGENDA_OPEN, reminders.DUE, reminders.OVERDUE]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def tour(signed_version):
    """A signed tour of the demo employee in 2031-2032 (tests/agreements/conftest.py): its checkpoints lie far
    from the demo's, so a scan at their dates finds only them."""
    version = signed_version()
    mail.outbox.clear()
    return Tour.objects.get(agreement__versions=version)


@pytest.fixture
def first(tour):
    return Checkpoint.objects.get(tour=tour, sequence=1)


@pytest.fixture
def closing(tour):
    return Checkpoint.objects.get(tour=tour, kind=CheckpointKind.CLOSING)


def at(day, hour=9):
    """An instant on `day` at `hour` o'clock in the site's time zone (Asia/Tokyo)."""
    return datetime.combine(day, time(hour), timezone.get_current_timezone())


def of(obj, kind=None):
    qs = Notice.objects.filter(object_id=obj.pk, kind__in=list(reminders.LABELS))
    about_tour = Q(kind=reminders.TOUR_ENDING)
    qs = qs.filter(about_tour) if isinstance(obj, Tour) else qs.exclude(about_tour)
    return qs.filter(kind=kind) if kind else qs


# (kind, which checkpoint, its first day relative to the due date)
FIRST_DAYS = [
    (reminders.UPCOMING, "first", -7),
    (reminders.AGENDA_OPEN, "first", -3),
    (reminders.DUE, "first", 0),
    (reminders.OVERDUE, "first", 7),
    (reminders.CLOSING_DUE, "closing", 0),
    (reminders.TOUR_ENDING, "closing", -30),
]


@pytest.mark.parametrize("kind, which, offset", FIRST_DAYS, ids=[k for k, _w, _o in FIRST_DAYS])
def test_each_kind_is_due_on_its_day_and_not_the_day_before(request, employee, manager, kind, which, offset):
    checkpoint = request.getfixturevalue(which)
    about = checkpoint.tour if kind == reminders.TOUR_ENDING else checkpoint
    day = checkpoint.due_date + timedelta(days=offset)
    notices.scan_and_send(now=at(day - timedelta(days=1), hour=23))
    assert not of(about, kind).exists(), "not the day before"
    notices.scan_and_send(now=at(day, hour=0))
    sent = of(about, kind)
    assert {n.recipient_id for n in sent} >= {employee.pk, manager.pk}
    assert all(n.state == NoticeState.SENT for n in sent)
    assert {m.to[0] for m in mail.outbox} >= {employee.user.email, manager.user.email}


def test_the_regular_due_notice_is_not_sent_for_the_closing_review_nor_the_closing_one_for_a_checkpoint(first, closing):
    notices.scan_and_send(now=at(first.due_date))
    notices.scan_and_send(now=at(closing.due_date))
    assert of(first, reminders.DUE).exists() and not of(first, reminders.CLOSING_DUE).exists()
    assert of(closing, reminders.CLOSING_DUE).exists() and not of(closing, reminders.DUE).exists()


@pytest.mark.parametrize(
    "missed_days, expected",
    [
        (1, reminders.UPCOMING),  # beat was down for a day: still sent
        (3, reminders.UPCOMING),  # the last day of its window
        (4, reminders.AGENDA_OPEN),  # the next kind took over: the older one is not sent any more
    ],
)
def test_a_scan_that_did_not_run_for_days_still_sends_what_is_still_relevant(first, missed_days, expected):
    notices.scan_and_send(now=at(first.due_date - timedelta(days=7 - missed_days)))
    assert set(of(first).values_list("kind", flat=True)) == {expected}


@pytest.mark.parametrize(
    "kind, offset",
    [(reminders.DUE, 0), (reminders.OVERDUE, 7)],
)
def test_hr_is_told_when_a_checkpoint_is_overdue_and_only_then(first, employee, manager, hr, kind, offset):
    notices.scan_and_send(now=at(first.due_date + timedelta(days=offset)))
    told = set(of(first, kind).values_list("recipient_id", flat=True))
    assert {employee.pk, manager.pk} <= told
    assert (hr.pk in told) is (kind == reminders.OVERDUE)
    if kind == reminders.OVERDUE:
        hr.user.language = "en"
        hr.user.save(update_fields=["language"])
        message = next(m for m in mail.outbox if m.to == [hr.user.email] and first.tour.title in m.subject)
        assert "as HR" in message.body or "人事" in message.body


@pytest.mark.parametrize(
    "change",
    ["held", "cancelled", "moved", "tour ended"],
)
def test_nothing_is_reminded_for_a_checkpoint_that_is_held_cancelled_moved_or_of_an_ended_tour(first, change):
    day = first.due_date
    if change == "moved":
        Checkpoint.objects.filter(pk=first.pk).update(due_date=day + timedelta(days=30), revision=1)
    elif change == "tour ended":
        Tour.objects.filter(pk=first.tour_id).update(status="ended_early")
    else:
        Checkpoint.objects.filter(pk=first.pk).update(status=change)
    notices.scan_and_send(now=at(day))
    assert not of(first).exists()


@pytest.mark.parametrize(
    "change",
    ["held", "cancelled", "moved", "tour ended", "manager changed"],
)
def test_a_queued_reminder_that_no_longer_applies_is_skipped(first, manager, other_manager, change):
    result = notices.scan(now=at(first.due_date))
    queued = of(first, reminders.DUE)
    assert queued.count() >= 2 and len(result.waiting) >= 2
    if change == "moved":
        Checkpoint.objects.filter(pk=first.pk).update(due_date=first.due_date + timedelta(days=30), revision=1)
    elif change == "tour ended":
        Tour.objects.filter(pk=first.tour_id).update(status="completed")
    elif change == "manager changed":
        first.tour.employee.__class__.objects.filter(pk=first.tour.employee_id).update(manager=other_manager)
    else:
        Checkpoint.objects.filter(pk=first.pk).update(status=change)
    for notice in queued:
        notices.deliver(notice.pk, organization_id=notice.organization_id)
    states = dict(of(first, reminders.DUE).values_list("recipient_id", "state"))
    if change == "manager changed":
        assert states[manager.pk] == NoticeState.SKIPPED
        assert states[first.tour.employee_id] == NoticeState.SENT
    else:
        assert set(states.values()) == {NoticeState.SKIPPED}


def test_a_moved_due_date_gets_a_fresh_series(first):
    notices.scan_and_send(now=at(first.due_date))
    moved = first.due_date + timedelta(days=40)
    Checkpoint.objects.filter(pk=first.pk).update(due_date=moved, revision=1)
    notices.scan_and_send(now=at(moved))
    assert sorted(set(of(first, reminders.DUE).values_list("sequence", flat=True))) == [0, 1]


def _command(now):
    out = StringIO()
    call_command("send_reminders", "--now", now.isoformat(), stdout=out)
    return out.getvalue().strip()


def test_send_reminders_sends_each_reminder_once_and_nothing_the_second_time(first, employee):
    instant = at(first.due_date + timedelta(days=7))
    first_line = _command(instant)
    outbox = len(mail.outbox)
    second_line = _command(instant)
    assert outbox >= 3 and " sent=0 " in second_line + " ", (first_line, second_line)
    assert len(mail.outbox) == outbox
    keys = list(of(first).values_list("kind", "recipient_id", "sequence"))
    assert len(keys) == len(set(keys))
    to_employee = [m for m in mail.outbox if m.to == [employee.user.email]]
    assert len(to_employee) == len({m.subject for m in to_employee})


def test_the_second_scan_records_nothing_and_asks_one_query_per_window(first, django_assert_max_num_queries):
    instant = at(first.due_date)
    notices.scan(now=instant)
    before = Notice.objects.count()
    # The organizations, one query per window for its checkpoints, and for the one window that has some, the
    # keys already recorded: nothing is left, so no row is loaded.
    with django_assert_max_num_queries(1 + len(reminders.WINDOWS) + 1):
        assert list(reminders.reminders_due(now=instant, batch_size=500)) == []
    with django_assert_max_num_queries(1):
        list(reminders.repair_unscheduled_tours(now=instant, batch_size=500))
    notices.scan(now=instant)
    assert Notice.objects.count() == before


def test_a_batch_costs_a_few_queries_however_many_checkpoints_it_holds(
    first, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """Many due checkpoints in one window: the owed ids, then per batch the rows and one insert."""
    tour = first.tour
    Checkpoint.objects.bulk_create(
        Checkpoint(organization_id=tour.organization_id, tour=tour, sequence=100 + n, due_date=first.due_date)
        for n in range(60)
    )
    # The organizations, the ids of each window, then two queries per batch of 50 (two batches).
    with django_assert_max_num_queries(1 + len(reminders.WINDOWS) + 2 * 2):
        batches = list(reminders.reminders_due(now=at(first.due_date), batch_size=50))
    assert [len(b) for b in batches] == [100, 22]


def _backend_that_sends_then_raises(error):
    original = EmailBackend.send_messages

    def send_messages(self, messages):
        original(self, messages)
        raise error

    return mock.patch.object(EmailBackend, "send_messages", send_messages)


@pytest.mark.parametrize("crash", ["after DATA", "stamp failed"])
def test_a_crash_between_send_and_record_never_sends_the_reminder_again(first, employee, crash):
    notices.scan(now=at(first.due_date))
    notice = of(first, reminders.DUE).get(recipient=employee)
    if crash == "after DATA":
        with _backend_that_sends_then_raises(smtplib.SMTPServerDisconnected("lost after DATA")):
            notices.deliver(notice.pk, organization_id=notice.organization_id)
    else:
        real_finish = notices._finish

        def finish(row, **values):
            if values.get("state") == NoticeState.SENT:
                raise DatabaseError("the database went away")
            real_finish(row, **values)

        with mock.patch.object(notices, "_finish", finish):
            notices.deliver(notice.pk, organization_id=notice.organization_id)
    assert len([m for m in mail.outbox if m.to == [employee.user.email]]) == 1
    for later in (0, 1, 3):
        notices.scan_and_send(now=at(first.due_date + timedelta(days=later)))
    same = [m for m in mail.outbox if m.extra_headers["Message-ID"] == notices.message_id(notice)]
    assert len(same) == 1


def test_a_reminder_that_could_not_be_sent_is_failed_with_its_error_and_retried(first, employee):
    notices.scan(now=at(first.due_date))
    notice = of(first, reminders.DUE).get(recipient=employee)
    with mock.patch.object(EmailBackend, "send_messages", side_effect=ConnectionRefusedError("SMTP down")):
        assert notices.deliver(notice.pk, organization_id=notice.organization_id) == NoticeState.FAILED
    notice.refresh_from_db()
    assert notice.state == NoticeState.FAILED and "SMTP down" in notice.error


@pytest.mark.parametrize(
    "language, subject, body",
    [
        ("ja", "チェックポイント", "コミットメント期間"),
        ("en", "Checkpoint", "tour of duty"),
    ],
)
@pytest.mark.parametrize("kind, offset", [(reminders.UPCOMING, -7), (reminders.OVERDUE, 7)])
def test_e_mails_are_in_the_recipients_language_in_text_and_html(
    first, employee, language, subject, body, kind, offset
):
    employee.user.language = language
    employee.user.save(update_fields=["language"])
    notices.scan_and_send(now=at(first.due_date + timedelta(days=offset)))
    message = next(m for m in mail.outbox if m.to == [employee.user.email])
    assert subject in message.subject and body in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'lang="{language}"' in html and body in html and 'style="' not in html
    assert f"/checkpoints/{first.pk}/" in message.body and f"/checkpoints/{first.pk}/" in html


def test_the_japanese_greeting_reads_like_every_page(first, employee):
    """Found trying the demo: the reminders greeted "社員 一郎 さん", with a space before the honorific, where
    every page and the agreements' e-mails write "社員 一郎さん"."""
    employee.user.language = "ja"
    employee.user.save(update_fields=["language"])
    notices.scan_and_send(now=at(first.due_date + timedelta(days=7)))
    message = next(m for m in mail.outbox if m.to == [employee.user.email])
    assert message.body.startswith(f"{employee.user.display_name}さん\n")


def test_reminders_appear_in_app(first, employee, login):
    from django.urls import reverse

    notices.scan_and_send(now=at(first.due_date))
    page = login(employee, language="en").get(reverse("notifications", args=["acme"])).content.decode()
    assert "A checkpoint is due" in page and first.tour.title in page


def test_the_repair_step_schedules_a_signed_tour_whose_receiver_failed_once(tour, django_assert_max_num_queries):
    Checkpoint.objects.filter(tour=tour).delete()
    assert list(reminders.unscheduled_tours()) == [(tour.organization_id, tour.pk)]
    notices.scan(now=timezone.now())
    created = Checkpoint.objects.filter(tour=tour)
    assert created.count() >= 2 and created.filter(kind=CheckpointKind.CLOSING).count() == 1
    assert all(c.status == CheckpointStatus.SCHEDULED for c in created)
    count = created.count()
    with django_assert_max_num_queries(1):
        assert list(reminders.unscheduled_tours()) == []
    notices.scan(now=timezone.now())
    assert Checkpoint.objects.filter(tour=tour).count() == count


def test_a_failing_receiver_is_repaired_by_the_next_scan(
    draft_version, employee, manager, hr, django_capture_on_commit_callbacks
):
    """The signature's receiver raises after commit: the tour is signed without checkpoints; the scan
    schedules them."""
    from agreements import services
    from tests.agreements.conftest import PASSWORD

    version = draft_version()
    version = services.agreement_request_signatures(version=version, actor=manager)
    broken = mock.patch("checkpoints.receivers.services.checkpoints_schedule", side_effect=RuntimeError("boom"))
    with broken, django_capture_on_commit_callbacks(execute=True):
        for member in (employee, manager, hr):
            services.agreement_sign(version=version, actor=member, password=PASSWORD, content_hash=version.content_hash)
    tour = Tour.objects.get(agreement__versions=version)
    assert tour.status == "active" and not Checkpoint.objects.filter(tour=tour).exists()
    notices.scan(now=timezone.now())
    assert Checkpoint.objects.filter(tour=tour, kind=CheckpointKind.CLOSING).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need a server database (DATABASE_URL)")
def test_two_scans_racing_send_each_reminder_once_postgresql(db, monkeypatch):
    """Two scans at the same instant in two threads (own connections, so they see only committed data: the
    demo's checkpoints, on the due day of the next one): every reminder is recorded once and mailed once. Only the
    checkpoint reminders run: the threads commit, and another app's scan step (a departure completed on its last
    day, say) would outlive the test."""
    monkeypatch.setattr(notices, "PROVIDERS", [reminders.reminders_due])
    upcoming = (
        Checkpoint.objects.filter(status="scheduled", tour__status="active", due_date__gt=timezone.localdate())
        .order_by("due_date")
        .first()
    )
    assert upcoming is not None, "the demo has checkpoints falling due"
    instant = at(upcoming.due_date)
    before = Notice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(notices.scan_and_send(now=instant))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not errors, errors
        new = list(Notice.objects.filter(pk__gt=before, kind__in=list(reminders.LABELS)))
        assert [n for n in new if n.object_id == upcoming.pk], "the next checkpoint's due notices"
        assert sum(r.sent for r in results) == len(mail.outbox)
        keys = [(n.kind, n.object_id, n.recipient_id, n.sequence) for n in new]
        assert len(keys) == len(set(keys))
        sent = [(m.to[0], m.subject) for m in mail.outbox]
        assert len(sent) == len(set(sent)), "nobody gets the same reminder twice"
    finally:

        def cleanup_rows():
            # A new thread starts outside any scope; it removes what both scans committed, in every organization.
            with scopes_disabled():
                Notice.objects.filter(pk__gt=before).delete()
            connections.close_all()

        cleanup = threading.Thread(target=cleanup_rows)
        cleanup.start()
        cleanup.join()


@pytest.mark.parametrize("name", ["checkpoints:checkpoint", "agreements:tour"])
@pytest.mark.parametrize("slug", ["acme", "bench-0001", "a_b", "x", "slug-placeholder"])
def test_a_reminder_path_is_the_reversed_url_for_any_organization(name, slug):
    from django.urls import reverse

    from checkpoints.notices import _path

    assert _path(name, slug, 4321) == reverse(name, args=[slug, 4321])
