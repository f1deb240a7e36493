from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from agreements import notices, services, snapshot
from agreements.models import AgreementPdf, EventKind, Signature, SigningEvent, TourStatus, VersionStatus
from tests.agreements.conftest import PASSWORD


def test_requesting_signatures_freezes_a_canonical_snapshot_and_its_hash(draft_version, manager):
    version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    assert version.status == VersionStatus.PENDING
    assert version.content_hash == snapshot.snapshot_hash(version.snapshot)
    assert len(version.content_hash) == 64
    assert version.snapshot["kpis"][0]["target"] == "99.9"
    assert version.snapshot["employee"]["name"] == "社員 一郎"
    # Canonical: key order and whitespace do not change the bytes that are hashed.
    assert snapshot.canonical_json(dict(reversed(list(version.snapshot.items())))) == snapshot.canonical_json(
        version.snapshot
    )


def test_a_plan_without_kpis_cannot_be_sent_for_signature(draft_version, manager):
    with pytest.raises(ValidationError) as error:
        services.agreement_request_signatures(version=draft_version(kpis=[]), actor=manager)
    assert "KPI" in str(error.value)


def test_each_signer_is_mailed_once_when_signatures_are_requested(
    draft_version, manager, django_capture_on_commit_callbacks
):
    version = draft_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_request_signatures(version=version, actor=manager)
    recipients = sorted(m.to[0] for m in mail.outbox)
    # acme requires HR to countersign: both HR members are asked, besides the employee and the manager.
    assert "employee@acme.example" in recipients and "manager@acme.example" in recipients
    assert "hr@acme.example" in recipients
    assert len(recipients) == len(set(recipients))


def test_everyone_signs_and_the_version_is_signed_with_a_pdf(signed_version, employee, manager, hr):
    version = signed_version()
    assert version.status == VersionStatus.SIGNED and version.signed_at
    roles = set(Signature.objects.filter(version=version).values_list("role", flat=True))
    assert roles == {"employee", "manager", "hr"}
    for signature in Signature.objects.filter(version=version):
        assert signature.content_hash == version.content_hash
    assert version.agreement.tour.__class__.objects.get(pk=version.agreement.tour_id).status == TourStatus.ACTIVE
    pdf = AgreementPdf.objects.get(version=version)
    assert pdf.size > 10_000 and len(pdf.sha256) == 64
    assert [e.kind for e in SigningEvent.objects.filter(version=version)] == [
        EventKind.REQUESTED,
        EventKind.SIGNED,
        EventKind.SIGNED,
        EventKind.SIGNED,
        EventKind.COMPLETED,
    ]


def test_signing_needs_the_signers_password(draft_version, manager, employee):
    version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    with pytest.raises(ValidationError) as error:
        services.agreement_sign(version=version, actor=employee, password="wrong", content_hash=version.content_hash)
    assert "password" in error.value.message_dict
    assert not Signature.objects.filter(version=version).exists()


def test_only_required_signers_may_sign(draft_version, manager, other_manager, alumni):
    version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    with pytest.raises(PermissionDenied):
        services.agreement_sign(
            version=version, actor=other_manager, password=PASSWORD, content_hash=version.content_hash
        )


def test_a_signature_records_ip_agent_and_the_hash(draft_version, manager, employee):
    version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    info = services.RequestInfo(ip="203.0.113.7", user_agent="Mozilla/5.0 test")
    signature = services.agreement_sign(
        version=version, actor=employee, password=PASSWORD, content_hash=version.content_hash, info=info
    )
    assert (signature.ip_address, signature.user_agent, signature.role) == (
        "203.0.113.7",
        "Mozilla/5.0 test",
        "employee",
    )
    assert signature.content_hash == version.content_hash


def test_a_page_opened_before_a_change_cannot_sign_the_changed_version(draft_version, manager, employee):
    version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    stale_hash = version.content_hash
    services.agreement_withdraw(version=version, actor=manager)
    version = services.agreement_request_signatures(version=version, actor=manager)
    with pytest.raises(ValidationError):
        services.agreement_sign(version=version, actor=employee, password=PASSWORD, content_hash=stale_hash)


def test_withdrawing_voids_partial_signatures_and_returns_to_draft(draft_version, manager, employee):
    version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    services.agreement_sign(version=version, actor=employee, password=PASSWORD, content_hash=version.content_hash)
    services.agreement_withdraw(version=version, actor=manager)
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT and version.content_hash == ""
    signature = Signature.objects.get(version=version)
    assert signature.voided_at is not None, "the partial signature is kept, marked void"
    assert SigningEvent.objects.filter(version=version, kind=EventKind.WITHDRAWN).exists()


def test_declining_needs_a_reason_and_shows_it_on_the_draft(draft_version, manager, employee):
    version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    with pytest.raises(ValidationError):
        services.agreement_decline(version=version, actor=employee, reason="  ")
    services.agreement_decline(version=version, actor=employee, reason="KPIの目標が高すぎます")
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    assert version.last_decline_reason == "KPIの目標が高すぎます"
    assert SigningEvent.objects.get(version=version, kind=EventKind.DECLINED).reason == "KPIの目標が高すぎます"


def test_a_pending_version_cannot_be_edited(draft_version, manager):
    version = services.agreement_request_signatures(version=draft_version(), actor=manager)
    with pytest.raises(ValidationError):
        services.agreement_update_draft(version=version, actor=manager, clauses={"company_offers": "x"}, kpis=[])


def test_a_signed_version_refuses_edits_in_the_code(signed_version, manager):
    version = signed_version()
    with pytest.raises(ValidationError) as error:
        services.agreement_update_draft(version=version, actor=manager, clauses={"company_offers": "x"}, kpis=[])
    assert "amendment" in str(error.value)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE agreements_agreementversion SET company_offers = 'tampered' WHERE id = %s",
        "UPDATE agreements_agreementversion SET status = 'draft' WHERE id = %s",
        "DELETE FROM agreements_agreementversion WHERE id = %s",
        "UPDATE agreements_kpi SET target = 1 WHERE version_id = %s",
        "DELETE FROM agreements_kpi WHERE version_id = %s",
        "UPDATE agreements_signature SET content_hash = 'x' WHERE version_id = %s",
        "DELETE FROM agreements_signature WHERE version_id = %s",
        "UPDATE agreements_signingevent SET reason = 'x' WHERE version_id = %s",
        "DELETE FROM agreements_agreementpdf WHERE version_id = %s",
    ],
)
def test_the_database_refuses_raw_changes_to_a_signed_version(signed_version, statement):
    version = signed_version()
    with pytest.raises(IntegrityError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [version.pk])
    assert "immutable" in str(error.value) or "append-only" in str(error.value)
    version.refresh_from_db()
    assert version.status == VersionStatus.SIGNED and version.company_offers != "tampered"


def test_the_database_refuses_a_new_kpi_on_a_signed_version(signed_version):
    from agreements.models import Kpi

    version = signed_version()
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        Kpi.objects.create(
            organization=version.organization,
            version=version,
            name="x",
            target=1,
            due_date=version.agreement.tour.end_date,
        )
    assert "immutable" in str(error.value)


def test_an_amendment_is_a_new_draft_version_and_the_signed_one_stays(signed_version, manager):
    version = signed_version()
    draft = services.agreement_amend(agreement=version.agreement, actor=manager)
    assert (draft.number, draft.status, draft.is_amendment) == (2, VersionStatus.DRAFT, True)
    assert draft.kpis.count() == 1 and draft.company_offers == version.company_offers
    version.refresh_from_db()
    assert version.status == VersionStatus.SIGNED


def test_the_pdf_task_renders_once(signed_version):
    from agreements.documents import store_signed_pdf

    version = signed_version()
    first = AgreementPdf.objects.get(version=version)
    assert store_signed_pdf(version_id=version.pk).pk == first.pk
    assert AgreementPdf.objects.filter(version=version).count() == 1


def test_reminders_after_three_days_then_weekly_stopping_after_thirty():
    start = __import__("django.utils.timezone", fromlist=["now"]).now()
    seq = [
        notices.due_reminder_sequence(start, start + timedelta(days=d)) for d in (0, 2, 3, 9, 10, 17, 24, 30, 31, 60)
    ]
    assert seq == [0, 0, 1, 1, 2, 3, 4, 4, 4, 4]


def test_the_reminder_scan_sends_each_reminder_once(
    draft_version, manager, employee, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from agreements.notices import REMINDER
    from alliance import notices
    from alliance.models import Notice

    version = draft_version()
    with django_capture_on_commit_callbacks(execute=True):
        version = services.agreement_request_signatures(version=version, actor=manager)
    services.agreement_sign(version=version, actor=employee, password=PASSWORD, content_hash=version.content_hash)
    mail.outbox.clear()
    later = timezone.now() + timedelta(days=3, hours=1)
    first = notices.scan_and_send(now=later)
    again = notices.scan_and_send(now=later)
    assert first.sent > 0 and again.sent == 0
    reminders = Notice.objects.filter(kind=REMINDER, url__contains=f"/agreements/{version.agreement_id}/")
    reminded = sorted(n.recipient.user.email for n in reminders)
    assert "employee@acme.example" not in reminded, "who signed already is not reminded"
    assert "manager@acme.example" in reminded and len(reminded) == len(set(reminded))
    assert all(n.sent_at for n in reminders)
    about_this = [m for m in mail.outbox if version.agreement.tour.title in m.subject]
    assert sorted(m.to[0] for m in about_this) == reminded, "one e-mail per reminder"
    notices.scan_and_send(now=timezone.now() + timedelta(days=45))
    notices.scan_and_send(now=timezone.now() + timedelta(days=60))
    numbers = sorted(set(reminders.values_list("sequence", flat=True)))
    assert numbers == [1, 4], "the fourth reminder (day 24) is the last one; nothing after 30 days"


def test_a_notice_for_a_withdrawn_request_is_not_sent(draft_version, manager, django_capture_on_commit_callbacks):
    from alliance import notices
    from alliance.models import Notice

    version = draft_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.agreement_request_signatures(version=version, actor=manager)
    services.agreement_withdraw(version=version, actor=manager)
    mail.outbox.clear()
    owed = Notice.objects.filter(url__contains=f"/agreements/{version.agreement_id}/", state="queued")
    assert owed.exists() and callbacks
    for pk in owed.values_list("pk", flat=True):
        assert notices.deliver(pk, organization_id=version.organization_id) == "skipped"
    assert mail.outbox == []


def test_a_broker_outage_does_not_fail_the_request_and_the_scan_sends_later(
    draft_version, manager, django_capture_on_commit_callbacks
):
    from unittest import mock

    from alliance.celery import app
    from alliance.models import Notice
    from alliance.tasks import scan_notices, send_notice

    version = draft_version()
    app.conf.task_always_eager = False
    try:
        with (
            mock.patch.object(send_notice, "delay", side_effect=ConnectionError("broker down")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.agreement_request_signatures(version=version, actor=manager)
    finally:
        app.conf.task_always_eager = True
    owed = Notice.objects.filter(url__contains=f"/agreements/{version.agreement_id}/")
    assert owed.exists() and not owed.exclude(state="queued").exists()
    assert mail.outbox == []
    assert scan_notices.apply().get() >= owed.count()
    assert not owed.exclude(state="sent").exists()
    # Only this version's notices (reminders the demo's dates make due today may go out beside them).
    from alliance.notices import message_id

    ids = {message_id(n) for n in owed}
    sent_to = sorted(m.to[0] for m in mail.outbox if m.extra_headers["Message-ID"] in ids)
    assert sent_to == sorted(n.recipient.user.email for n in owed)
    # Once sent, a second pass sends nothing.
    mail.outbox.clear()
    scan_notices.apply()
    assert mail.outbox == []


def test_the_hourly_task_renders_a_pdf_that_a_dead_worker_left_missing(signed_version):
    from agreements.documents import versions_missing_a_pdf
    from agreements.tasks import render_missing_pdfs, render_signed_pdf

    with mock_pdf_task_failure(render_signed_pdf):
        version = signed_version()
    assert version.pk in versions_missing_a_pdf()
    result = render_missing_pdfs.apply()
    assert result.successful(), result.traceback
    assert AgreementPdf.objects.filter(version=version).exists()
    assert version.pk not in versions_missing_a_pdf()


def mock_pdf_task_failure(task):
    from unittest import mock

    return mock.patch.object(task, "delay", return_value=None)
