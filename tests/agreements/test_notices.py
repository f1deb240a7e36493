"""The core notice machinery (alliance.notices) with the agreements' signature notices on it: each notice goes
out at most once whatever runs twice, races or crashes, and a failed send is recorded and retried."""

import smtplib
import threading
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import DatabaseError, connection, connections
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from agreements import services
from agreements.notices import COMPLETED, REMINDER, REQUESTED
from alliance import notices
from alliance.models import Notice, NoticeState
from tests.agreements.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def requested(draft_version, manager, django_capture_on_commit_callbacks):
    """A version waiting for signatures whose "requested" notices are recorded but not sent yet."""
    version = draft_version()
    with django_capture_on_commit_callbacks(execute=False):
        version = services.agreement_request_signatures(version=version, actor=manager)
    mail.outbox.clear()
    return version


def _owed(version, kind=None):
    qs = Notice.objects.filter(url__contains=f"/agreements/{version.agreement_id}/")
    return qs.filter(kind=kind) if kind else qs


def _mails_of(notice) -> int:
    """How many e-mails of this very notice left (other apps' scan steps may mail the same person meanwhile: the
    weekly community digest to HR, say)."""
    return sum(1 for m in mail.outbox if m.extra_headers.get("Message-ID") == notices.message_id(notice))


def _command(now):
    out = StringIO()
    call_command("send_reminders", "--now", now.isoformat(), stdout=out)
    return out.getvalue().strip()


def test_the_command_sends_what_is_due_once_and_prints_one_summary_line(requested):
    owed = _owed(requested, REQUESTED).count()
    later = timezone.now() + timedelta(days=3, hours=1)
    first = _command(later)
    sent_first = len(mail.outbox)
    second = _command(later)
    found, sent = (int(part.split("=")[1]) for part in first.split()[:2])
    assert found >= 1 and sent >= owed + 1, first  # the requests that were waiting, and the day-3 reminders
    assert second.startswith("found=") and " sent=0 " in second, second
    assert len(mail.outbox) == sent_first, "the second scan at the same instant sends nothing"
    to = [m.to[0] for m in mail.outbox]
    assert len(to) == len(set(zip(to, [m.subject for m in mail.outbox], strict=True))), "nobody gets one twice"


def test_the_command_refuses_an_instant_that_is_not_iso_8601(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("send_reminders", "--now", "next tuesday")


def test_e_mails_are_in_the_recipients_language_text_and_html(requested):
    notice = _owed(requested, REQUESTED).select_related("recipient__user").first()
    user = notice.recipient.user
    user.language = "ja"
    user.save(update_fields=["language"])
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == NoticeState.SENT
    message = mail.outbox[-1]
    assert "署名" in message.subject and message.to == [user.email]
    html = message.alternatives[0]
    assert html[1] == "text/html" and 'lang="ja"' in html[0] and 'style="' not in html[0]
    assert message.extra_headers["Message-ID"] == notices.message_id(notice)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need a server database (DATABASE_URL)")
def test_two_scans_racing_send_each_reminder_once_postgresql(db, monkeypatch):
    """Two scans at the same instant in two threads (own connections, committed data: the demo's pending
    versions): every reminder is recorded once and mailed once. Only this app's provider runs: the threads commit,
    and another app's scan step (a departure completed on its last day, say) would outlive the test."""
    from agreements import notices as agreement_notices

    monkeypatch.setattr(notices, "PROVIDERS", [agreement_notices.reminders_due])
    instant = timezone.now() + timedelta(days=40)
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
        new = list(Notice.objects.filter(pk__gt=before, kind=REMINDER))
        assert new, "the demo has versions waiting for signatures"
        assert sum(r.sent for r in results) == len(mail.outbox)
        assert len(new) <= len(mail.outbox)
        keys = [(n.object_id, n.recipient_id, n.sequence) for n in new]
        assert len(keys) == len(set(keys))
    finally:

        def cleanup_rows():
            # A new thread starts outside any scope; the test removes what both scans committed, in every
            # organization.
            with scopes_disabled():
                Notice.objects.filter(pk__gt=before).delete()
            connections.close_all()

        cleanup = threading.Thread(target=cleanup_rows)
        cleanup.start()
        cleanup.join()


def test_two_scans_one_after_the_other_send_each_reminder_once(requested):
    instant = timezone.now() + timedelta(days=3, hours=1)
    first = notices.scan_and_send(now=instant)
    second = notices.scan_and_send(now=instant)
    reminders = _owed(requested, REMINDER)
    assert reminders.exists() and second.sent == 0 and first.sent >= reminders.count()
    mailed = sorted(m.to[0] for m in mail.outbox if requested.agreement.tour.title in m.subject)
    assert mailed == sorted(n.recipient.user.email for n in _owed(requested).filter(state=NoticeState.SENT))
    assert set(mailed) == {n.recipient.user.email for n in reminders}


def _backend_that_sends_then_raises(error):
    original = EmailBackend.send_messages

    def send_messages(self, messages):
        original(self, messages)
        raise error

    return mock.patch.object(EmailBackend, "send_messages", send_messages)


def test_a_crash_after_the_e_mail_left_never_sends_it_again(requested):
    notice = _owed(requested, REQUESTED).first()
    with _backend_that_sends_then_raises(smtplib.SMTPServerDisconnected("connection lost after DATA")):
        assert notices.deliver(notice.pk, organization_id=notice.organization_id) == NoticeState.UNKNOWN
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.state == NoticeState.UNKNOWN and "SMTPServerDisconnected" in notice.error
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == "", (
        "not waiting any more: nothing done"
    )
    notices.scan_and_send(now=timezone.now() + timedelta(hours=6))
    assert [m for m in mail.outbox if m.to == mail.outbox[0].to and m.subject == mail.outbox[0].subject] == [
        mail.outbox[0]
    ]


def test_a_failed_stamp_after_sending_never_sends_again(requested):
    notice = _owed(requested, REQUESTED).first()
    real_finish = notices._finish

    def finish(row, **values):
        if values.get("state") == NoticeState.SENT:
            raise DatabaseError("the database went away")
        real_finish(row, **values)

    with mock.patch.object(notices, "_finish", finish):
        assert notices.deliver(notice.pk, organization_id=notice.organization_id) == NoticeState.SENT
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENDING, "claimed before sending, so no later run takes it"
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == ""
    notices.scan_and_send(now=timezone.now() + timedelta(hours=6))
    assert _mails_of(notice) == 1


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError("SMTP server down"),
        smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"mailbox unavailable")}),
        smtplib.SMTPConnectError(421, "try later"),
        notices.NotSent("backend said so"),
    ],
    ids=["refused-connection", "refused-recipient", "connect-error", "not-sent"],
)
def test_a_send_that_did_not_leave_is_recorded_as_failed_and_retried_with_backoff(requested, error):
    notice = _owed(requested, REQUESTED).first()
    with mock.patch.object(EmailBackend, "send_messages", side_effect=error):
        assert notices.deliver(notice.pk, organization_id=notice.organization_id) == NoticeState.FAILED
    notice.refresh_from_db()
    assert notice.state == NoticeState.FAILED and type(error).__name__ in notice.error and notice.attempts == 1
    assert mail.outbox == []
    # Not before its backoff ...
    assert notice.pk not in notices.scan(now=timezone.now()).ids
    # ... and after it, sent once.
    result = notices.scan_and_send(now=notice.next_attempt_at + timedelta(seconds=1))
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT and notice.attempts == 2 and result.sent >= 1
    assert _mails_of(notice) == 1


def test_a_notice_that_keeps_failing_stops_after_the_last_attempt(requested):
    notice = _owed(requested, REQUESTED).first()
    with mock.patch.object(EmailBackend, "send_messages", side_effect=ConnectionRefusedError("down")):
        for _ in range(notices.MAX_ATTEMPTS + 2):
            notices.scan_and_send(now=timezone.now() + timedelta(days=1))
            notices.deliver(notice.pk, organization_id=notice.organization_id)
    notice.refresh_from_db()
    assert notice.state == NoticeState.FAILED and notice.attempts == notices.MAX_ATTEMPTS


def test_the_send_task_is_acknowledged_late_and_the_scan_runs_every_fifteen_minutes(settings):
    from alliance.tasks import scan_notices, send_notice

    assert send_notice.acks_late and scan_notices.acks_late
    schedule = settings.CELERY_BEAT_SCHEDULE["alliance-notice-scan"]
    assert schedule["task"] == scan_notices.name and schedule["schedule"] == 15 * 60


def test_a_completed_agreement_tells_every_signer_once(requested, employee, manager, hr):
    for signer in (employee, manager, hr):
        services.agreement_sign(version=requested, actor=signer, password=PASSWORD, content_hash=requested.content_hash)
    completed = _owed(requested, COMPLETED)
    assert sorted(completed.values_list("recipient_id", flat=True)) == sorted([employee.pk, manager.pk, hr.pk])
    # The requests still queued have nothing to say any more: skipped, not mailed.
    for pk in _owed(requested, REQUESTED).values_list("pk", flat=True):
        assert notices.deliver(pk, organization_id=requested.organization_id) == NoticeState.SKIPPED


# --- in-app ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, marks_read",
    [
        ("get", False),  # a link followed from anywhere (another site included) changes nothing
        ("post", True),  # the button on the notifications page
    ],
)
def test_the_header_shows_the_unread_count_and_only_opening_a_notice_by_its_button_marks_it_read(
    requested, login, manager, method, marks_read
):
    client = login(manager)
    unread = notices.unread_count(membership=manager)
    assert unread >= 1
    page = client.get(reverse("dashboard", args=["acme"])).content.decode()
    assert f'<span class="badge nav-count">{unread}<span class="visually-hidden">' in page
    notice = _owed(requested, REQUESTED).get(recipient=manager)
    listing = client.get(reverse("notifications", args=["acme"])).content.decode()
    assert f'<form method="post" action="{reverse("notification_open", args=["acme", notice.pk])}">' in listing
    response = getattr(client, method)(reverse("notification_open", args=["acme", notice.pk]))
    assert response.status_code == 302 and response["Location"] == notice.url
    notice.refresh_from_db()
    assert (notice.read_at is not None) is marks_read
    assert notices.unread_count(membership=manager) == unread - (1 if marks_read else 0)


def test_another_site_cannot_mark_a_notice_read(requested, manager):
    """A cross-site POST carries the session cookie but not the CSRF token: refused, nothing changes."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager.user)
    notice = _owed(requested, REQUESTED).get(recipient=manager)
    response = client.post(reverse("notification_open", args=["acme", notice.pk]))
    assert response.status_code == 403
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_unread_count_costs_one_query_per_page(requested, login, manager, django_assert_num_queries):
    from alliance.context_processors import unread_notices

    request = mock.Mock(membership=manager, spec=["membership"])
    with django_assert_num_queries(1):
        assert unread_notices(request) == unread_notices(request) >= 1


def test_the_notification_list_is_paginated_and_its_queries_do_not_grow(
    requested, login, manager, django_assert_max_num_queries
):
    from django.contrib.contenttypes.models import ContentType

    event_type = ContentType.objects.get(app_label="agreements", model="signingevent")
    event_id = _owed(requested, REQUESTED).first().object_id
    Notice.objects.bulk_create(
        Notice(
            organization=manager.organization,
            kind=REMINDER,
            content_type=event_type,
            object_id=event_id,
            recipient=manager,
            sequence=100 + n,
            label=f"reminder {n}",
            url="/acme/",
        )
        for n in range(60)
    )
    client = login(manager)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("notifications", args=["acme"]))
    assert response.content.decode().count('<li class="notice') == 25
    assert 'rel="next"' in response.content.decode()


def test_a_stored_url_never_leads_off_site(requested, login, manager):
    notice = _owed(requested, REQUESTED).get(recipient=manager)
    Notice.objects.filter(pk=notice.pk).update(url="https://evil.example/")
    response = login(manager).get(reverse("notification_open", args=["acme", notice.pk]))
    assert response["Location"] == reverse("notifications", args=["acme"])


def test_notices_move_from_the_old_signature_table_without_sending_twice(db, employee, manager):
    """The data migration (agreements 0004) maps each SignatureNotice row to the key the new scan uses."""
    import importlib

    from django.db.migrations.loader import MigrationLoader

    from agreements.models import AgreementVersion, EventKind, SigningEvent

    migration = importlib.import_module("agreements.migrations.0004_signature_notices_become_core_notices")
    version = AgreementVersion.objects.filter(status="pending", organization__slug="acme").first()
    Notice.objects.filter(url__contains=f"/agreements/{version.agreement_id}/").delete()
    requests = list(SigningEvent.objects.filter(version=version, kind=EventKind.REQUESTED).order_by("at", "id"))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE agreements_signaturenotice (id integer PRIMARY KEY, organization_id bigint,"
            " version_id bigint, recipient_id bigint, kind varchar(16), sequence smallint, round smallint,"
            " created_at timestamp with time zone NULL, sent_at timestamp with time zone NULL)"
        )
        now = timezone.now()
        cursor.executemany(
            "INSERT INTO agreements_signaturenotice VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (1, version.organization_id, version.pk, manager.pk, "requested", 0, len(requests), now, now),
                (2, version.organization_id, version.pk, manager.pk, "reminder", 1, len(requests), now, now),
                (3, version.organization_id, version.pk, employee.pk, "reminder", 1, len(requests), now, None),
            ],
        )
    state = MigrationLoader(connection).project_state(("agreements", "0004_signature_notices_become_core_notices"))
    migration.forwards(state.apps, None)
    moved = {(n.kind, n.recipient_id, n.sequence): n for n in _owed(version)}
    assert {k: n.state for k, n in moved.items()} == {
        (REQUESTED, manager.pk, 0): "sent",
        (REMINDER, manager.pk, 1): "sent",
        (REMINDER, employee.pk, 1): "queued",
    }
    assert {n.object_id for n in moved.values()} == {requests[-1].pk}
    # The scan at day 3+ finds the same keys: the manager's reminder already went out and is not sent again.
    mail.outbox.clear()
    notices.scan_and_send(now=version.requested_at + timedelta(days=3, hours=1))
    assert manager.user.email not in [m.to[0] for m in mail.outbox if version.agreement.tour.title in m.subject]
