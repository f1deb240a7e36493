"""Signature e-mails: requested, reminder, fully signed. One function per kind of message."""

from django.conf import settings
from django.urls import reverse

from agreements.models import NoticeKind, VersionStatus
from alliance import emails


def still_relevant(notice) -> bool:
    version = notice.version
    if notice.kind in (NoticeKind.REQUESTED, NoticeKind.REMINDER):
        from agreements.services import request_round

        # A withdrawn or completed request needs no more nudges; a re-request has a new round.
        return version.status == VersionStatus.PENDING and request_round(version) == notice.round
    return version.status == VersionStatus.SIGNED


def alignment_notice(notice) -> None:
    """The 1on1 record `notice.alignment` waits for the employee's confirmation."""
    alignment = notice.alignment
    url = settings.SITE_URL.rstrip("/") + reverse(
        "agreements:alignment_confirm", args=[notice.organization.slug, alignment.pk]
    )
    emails.send(
        "alignment-confirm",
        to=notice.recipient.user.email,
        context={
            "organization": notice.organization,
            "recipient": notice.recipient.user,
            "manager": alignment.manager.user if alignment.manager else None,
            "alignment": alignment,
            "url": url,
        },
        language=notice.recipient.user.language,
    )


def signature_notice(notice) -> None:
    version = notice.version
    tour = version.agreement.tour
    url = settings.SITE_URL.rstrip("/") + reverse(
        "agreements:version", args=[notice.organization.slug, version.agreement_id, version.number]
    )
    emails.send(
        f"signature-{notice.kind}",
        to=notice.recipient.user.email,
        context={
            "organization": notice.organization,
            "recipient": notice.recipient.user,
            "employee": tour.employee.user,
            "tour": tour,
            "version": version,
            "url": url,
            "sequence": notice.sequence,
            # HR countersigns as a group: the first active HR member to sign signs for HR.
            "as_one_of_hr": version.requires_hr
            and notice.recipient.pk not in (tour.employee_id, version.manager_signer_id),
        },
        language=notice.recipient.user.language,
    )
