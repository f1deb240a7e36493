"""Signature and 1on1 notices on the core notice machinery (alliance.notices).

A 1on1 record that someone else saved tells the employee, once per record, that it waits for their
confirmation (`alignment-confirm`); nothing is sent if they confirmed it meanwhile.

Schedule (kept from the hourly scan this replaces): "requested" to each signer when signatures are requested;
reminders to whoever has not signed yet, the first 3 days after the request and then weekly, the last on day
24; "completed" to every signer when the last one signs. Requested and reminder notices are about the request
(its `SigningEvent`), so a withdrawn and re-requested version starts a fresh series; completed ones are about
the version.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreements import selectors
from agreements.models import (
    AgreementVersion,
    AlignmentStatus,
    CareerAlignment,
    EventKind,
    SigningEvent,
    VersionStatus,
)
from agreements.rules import ENDED_TOUR_STATUSES
from alliance import notices
from alliance.models import Membership

REQUESTED = "signature-requested"
REMINDER = "signature-reminder"
COMPLETED = "signature-completed"
ALIGNMENT_CONFIRM = "alignment-confirm"

REMINDER_FIRST_AFTER = timedelta(days=3)
REMINDER_EVERY = timedelta(days=7)
REMINDER_STOP_AFTER = timedelta(days=30)


def due_reminder_sequence(requested_at, now) -> int:
    """The number of the reminder due at `now` (1 after 3 days, then one a week), or 0; the last one is the one
    due on day 24 (none is due after 30 days)."""
    elapsed = now - requested_at
    if elapsed < REMINDER_FIRST_AFTER:
        return 0
    sequence = 1 + int((elapsed - REMINDER_FIRST_AFTER) / REMINDER_EVERY)
    last_due = REMINDER_FIRST_AFTER + (sequence - 1) * REMINDER_EVERY
    if last_due > REMINDER_STOP_AFTER:
        sequence = 1 + int((REMINDER_STOP_AFTER - REMINDER_FIRST_AFTER) / REMINDER_EVERY)
    return sequence


def version_path(version: AgreementVersion) -> str:
    """The site path of `version`'s page (no host: e-mails prefix settings.SITE_URL)."""
    return reverse("agreements:version", args=[version.organization.slug, version.agreement_id, version.number])


def _label(version: AgreementVersion) -> str:
    return f"{version.agreement.tour.title} v{version.number}"


def _due(kind: str, version: AgreementVersion, obj, recipients, sequence: int = 0) -> list[notices.Due]:
    label, url = _label(version), version_path(version)
    return [
        notices.Due(
            organization_id=version.organization_id,
            kind=kind,
            obj=obj,
            recipient_id=recipient.pk if isinstance(recipient, Membership) else recipient,
            sequence=sequence,
            label=label,
            url=url,
        )
        for recipient in recipients
    ]


def notify_requested(version: AgreementVersion, request_event: SigningEvent, recipients) -> None:
    """Ask each signer to sign (sent after commit)."""
    notices.enqueue(_due(REQUESTED, version, request_event, recipients))


def notify_completed(version: AgreementVersion, recipients) -> None:
    """Tell each signer that everyone signed (sent after commit)."""
    notices.enqueue(_due(COMPLETED, version, version, recipients))


def notify_alignment_waits(alignment: CareerAlignment) -> None:
    """Tell the employee that the 1on1 record `alignment` waits for their confirmation (sent after commit; at
    most once per record, whoever saves it again)."""
    path = reverse("agreements:alignment_confirm", args=[alignment.organization.slug, alignment.pk])
    notices.enqueue(
        [
            notices.Due(
                organization_id=alignment.organization_id,
                kind=ALIGNMENT_CONFIRM,
                obj=alignment,
                recipient_id=alignment.employee_id,
                # Stored once and shown to a reader whose language may differ from the saver's: no words, only
                # the date (the notice kind's label, translated when shown, says what it is).
                label=alignment.held_on.isoformat(),
                url=path,
            )
        ]
    )


def _alignment_context(notice) -> dict:
    from django.conf import settings

    alignment = (
        CareerAlignment.objects.select_related("manager__user", "organization")
        .filter(pk=notice.object_id, organization_id=notice.organization_id)
        .get()
    )
    return {
        "organization": alignment.organization,
        "recipient": notice.recipient.user,
        "manager": alignment.manager.user if alignment.manager else None,
        "alignment": alignment,
        "url": settings.SITE_URL.rstrip("/") + notice.url,
    }


def _alignment_still_draft(notice) -> bool:
    return CareerAlignment.objects.filter(
        pk=notice.object_id, organization_id=notice.organization_id, status=AlignmentStatus.DRAFT
    ).exists()


# --- the provider: reminders due at an instant, in batches ---------------------------------------------------


def reminders_due(*, now, batch_size: int):
    """Yield lists of reminder notices due at `now`: per pending version, its current request and the signers
    who have not signed. Three queries per batch of versions, whatever the batch size. Called by the scan with
    django-scopes disabled (alliance.notices.scan): the queries span every organization, each `Due` names its
    version's organization, and the HR lookup is limited to the organizations of the batch."""
    versions = (
        AgreementVersion.objects.filter(status=VersionStatus.PENDING, requested_at__lte=now - REMINDER_FIRST_AFTER)
        # An amendment left waiting when its tour ended can no longer be signed (rules.ended_tour_conflict).
        .exclude(is_amendment=True, agreement__tour__status__in=ENDED_TOUR_STATUSES)
        .select_related("agreement__tour", "organization")
        .order_by("pk")
    )
    last_pk = 0
    while True:
        batch = list(versions.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return
        last_pk = batch[-1].pk
        ids = [v.pk for v in batch]
        requests = {}
        for event in SigningEvent.objects.filter(version_id__in=ids, kind=EventKind.REQUESTED).order_by("at", "id"):
            requests[event.version_id] = event  # the latest request of each version wins
        pending = selectors.pending_signer_ids_of(batch)
        dues = []
        for version in batch:
            sequence = due_reminder_sequence(version.requested_at, now)
            request = requests.get(version.pk)
            if not sequence or request is None:
                continue
            dues += _due(REMINDER, version, request, pending[version.pk], sequence)
        yield dues


# --- kinds: what each e-mail says, and whether it still has something to say ---------------------------------


def _version_and_request(notice):
    """The version a notice is about, and its request event (None for completed notices). Two queries."""
    target = notices.target_of(notice)
    if isinstance(target, SigningEvent):
        version_id, request = target.version_id, target
    else:
        version_id, request = target.pk, None
    version = AgreementVersion.objects.select_related("agreement__tour__employee__user", "organization").get(
        pk=version_id, organization_id=notice.organization_id
    )
    return version, request


def _context(notice) -> dict:
    from django.conf import settings

    version, _request = _version_and_request(notice)
    tour = version.agreement.tour
    return {
        "employee": tour.employee.user,
        "tour": tour,
        "version": version,
        "url": settings.SITE_URL.rstrip("/") + version_path(version),
        "sequence": notice.sequence,
        # HR countersigns as a group: the first active HR member to sign signs for HR.
        "as_one_of_hr": version.requires_hr
        and notice.recipient_id not in (tour.employee_id, version.manager_signer_id),
    }


def _request_still_open(notice) -> bool:
    version, request = _version_and_request(notice)
    if version.status != VersionStatus.PENDING or request is None:
        return False
    if version.is_amendment and version.agreement.tour.status in ENDED_TOUR_STATUSES:
        return False  # its tour ended: it can no longer be signed (rules.ended_tour_conflict)
    latest = SigningEvent.objects.filter(version=version, kind=EventKind.REQUESTED).order_by("-at", "-id").first()
    if latest is None or latest.pk != request.pk:
        return False  # withdrawn and requested again: the new request has its own notices
    return notice.recipient_id in selectors.pending_signer_ids(version)


def _signed(notice) -> bool:
    version, _request = _version_and_request(notice)
    return version.status == VersionStatus.SIGNED


def register() -> None:
    """Register the agreements' notice kinds and their reminder provider with the core scan (alliance.notices);
    called once by AgreementsConfig.ready()."""
    notices.register_kind(
        REQUESTED, label=_("Your signature is requested"), context=_context, relevant=_request_still_open
    )
    notices.register_kind(
        REMINDER, label=_("Reminder: your signature is still requested"), context=_context, relevant=_request_still_open
    )
    notices.register_kind(COMPLETED, label=_("Signed by everyone"), context=_context, relevant=_signed)
    notices.register_kind(
        ALIGNMENT_CONFIRM,
        label=_("A 1on1 record waits for your confirmation"),
        context=_alignment_context,
        relevant=_alignment_still_draft,
        private=True,  # HR reads an alignment only once the employee shares it
    )
    notices.register_provider(reminders_due)
