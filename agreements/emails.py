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
        },
        language=notice.recipient.user.language,
    )
