"""The notices of leaving well (alliance.notices), and the last day on the core scan.

* `departure-started`: the person, their manager and the organization's HR are told that a departure was
  started (never the one who started it), once per departure and recipient; nothing left to say once it is no
  longer planned.
* The provider `last_day_provider` (the core scan, `send_reminders`): completes every planned departure whose
  last day has come (alumni.services.departures.complete_due_departures), then yields one
  `alumni-community-invite` (reaches alumni) to each person whose departure completed and who was not invited
  yet, linking to the community; once recorded, the departure is stamped `community_invited_at`. The notice's
  unique key (departure, recipient, sequence 0) records it once whatever runs twice.
* The address resolver: an alumni membership is mailed at the personal e-mail of its latest completed
  departure when it has one (selectors.alumni_address).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliance import notices
from alliance.models import MembershipStatus
from alumni.models import Departure, DepartureStatus
from alumni.selectors import departures as selectors
from alumni.services import departures as services
from alumni.services.departures import STARTED

INVITE = "alumni-community-invite"


def community_url(slug: str) -> str:
    """Where the invitation leads: the community's join page."""
    return reverse("alumni:join", args=[slug])


def _departure_of(notice) -> Departure | None:
    return (
        Departure.objects.select_related("membership__user", "started_by__user", "organization")
        .filter(pk=notice.object_id, organization_id=notice.organization_id)
        .first()
    )


def _started_context(notice) -> dict:
    departure = _departure_of(notice)
    return {
        "departure": departure,
        "person": departure.membership.user,
        "starter": departure.started_by.user if departure.started_by else None,
        "url": settings.SITE_URL.rstrip("/") + notice.url,
    }


def _still_planned(notice) -> bool:
    departure = _departure_of(notice)
    return departure is not None and departure.status == DepartureStatus.PLANNED


def _invite_context(notice) -> dict:
    departure = _departure_of(notice)
    return {"departure": departure, "url": settings.SITE_URL.rstrip("/") + notice.url}


def _invite_relevant(notice) -> bool:
    departure = _departure_of(notice)
    return (
        departure is not None
        and departure.status == DepartureStatus.COMPLETED
        and notice.recipient_id == departure.membership_id
        and notice.recipient.status == MembershipStatus.ALUMNI
    )


def last_day_provider(*, now, batch_size):
    """The core scan's step for departures (see the module): complete what is due at `now`, then yield the
    community invitations owed, `batch_size` a batch, stamping each batch once the scan recorded it."""
    services.complete_due_departures(now=now)
    owed = (
        # An alumnus who came back (active again) is owed no invitation any more.
        Departure.objects.filter(
            status=DepartureStatus.COMPLETED,
            community_invited_at__isnull=True,
            membership__status=MembershipStatus.ALUMNI,
        )
        .select_related("organization")
        .order_by("pk")
    )
    last_pk = 0
    while True:
        batch = list(owed.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return
        last_pk = batch[-1].pk
        yield [
            notices.Due(
                organization_id=departure.organization_id,
                kind=INVITE,
                obj=departure,
                recipient_id=departure.membership_id,
                label=departure.organization.name,
                url=community_url(departure.organization.slug),
            )
            for departure in batch
        ]
        # The scan recorded the batch before asking for the next one: the invitations exist, stamp them.
        services.mark_invited([departure.pk for departure in batch], now=now)


def register() -> None:
    """Register the kinds, the provider and the address resolver (AlumniConfig.ready)."""
    notices.register_kind(
        STARTED, label=_("A departure was started"), context=_started_context, relevant=_still_planned
    )
    notices.register_kind(
        INVITE,
        label=_("Invitation to the alumni community"),
        context=_invite_context,
        relevant=_invite_relevant,
        reaches_alumni=True,
    )
    notices.register_provider(last_day_provider)
    notices.register_address_resolver(selectors.alumni_address)
