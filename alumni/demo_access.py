"""Demo for alumni's read access to their own records: the demo `alumni@<slug>.example` gets the tour they finished
before leaving (an alignment, a tour completed after its checkpoints, its agreement signed by every signer with
its sealed PDF), so that signing in as them shows their records read-only, and the employee pages 404.

The story is told through the services while the person was still an employee: the membership is made active for
the seeding transaction (with the manager it had), then set back to alumni as the core demo left it. Idempotent:
does nothing once their tour exists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from agreements.models import Tour
from alliance.models import Membership, MembershipStatus, Organization
from alumni.models import Comeback, ComebackInterest, Departure, DepartureKind, DepartureStatus
from checkpoints import selectors, services
from checkpoints.demo_complete import _backdate, _hold, _signed_tour
from checkpoints.models import EndingKind

TITLE = "サポート窓口の自動化"
# A comeback hire: member03@ left on this day to study and came back on the day the core demo says they joined.
COMEBACK_LEFT_ON = dt.date(2019, 3, 31)


def _alumnus(organization: Organization) -> Membership | None:
    return (
        Membership.objects.select_related("user", "manager__user")
        .filter(organization=organization, user__email=f"alumni@{organization.slug}.example")
        .first()
    )


def seed(organization: Organization) -> None:
    """Give `organization`'s demo alumnus their completed, signed tour (see the module), and member03@ the story of
    a comeback hire; each is skipped when already there or when its people are missing."""
    _comeback(organization)
    member = _alumnus(organization)
    if member is None or member.manager is None or member.left_on is None:
        return
    if Tour.objects.filter(employee=member, title=TITLE).exists():
        return
    with transaction.atomic():
        Membership.objects.filter(pk=member.pk).update(status=MembershipStatus.ACTIVE)
        member.refresh_from_db()
        # Twelve months ending on their last day (2024-04-01 to 2025-03-31 for a last day of 2025-03-31).
        start = member.left_on + dt.timedelta(days=1) - relativedelta(months=12)
        tour = _signed_tour(member, title=TITLE, start=start)
        checkpoints = list(selectors.tour_checkpoints(tour))
        for number, checkpoint in enumerate(checkpoints, start=1):
            _hold(
                checkpoint,
                member,
                held_on=checkpoint.due_date,
                value=Decimal(10 + 8 * number),
                confidence=min(6 + number, 10),
                reflection="問い合わせの半分を自動応答にできた。" if number == len(checkpoints) else "順調に進んだ。",
                notes="やり切った一年だった。次の挑戦を応援している。",
            )
        ending = services.tour_ending_propose(
            tour=tour, actor=member.manager, kind=EndingKind.COMPLETED, reason="自動応答率の目標を達成。"
        )
        services.tour_ending_confirm(ending=ending, actor=member)
        _backdate(ending, tour.end_date)
        Membership.objects.filter(pk=member.pk).update(status=MembershipStatus.ALUMNI)


def _comeback(organization: Organization) -> None:
    """member03@ (active) left once, on COMEBACK_LEFT_ON, to study, and came back on their `joined_on`: a completed
    departure and the Comeback that ended their alumni years (their career timeline shows both)."""
    member = (
        Membership.objects.filter(
            organization=organization, user__email=f"member03@{organization.slug}.example", status="active"
        )
        .exclude(joined_on=None)
        .first()
    )
    if member is None or Comeback.objects.filter(membership=member).exists():
        return
    left_at = timezone.make_aware(dt.datetime.combine(COMEBACK_LEFT_ON, dt.time(18)))
    with transaction.atomic():
        departure = Departure.objects.create(
            organization=organization,
            membership=member,
            status=DepartureStatus.COMPLETED,
            last_day=COMEBACK_LEFT_ON,
            kind=DepartureKind.STUDY,
            comeback=ComebackInterest.YES,
            comeback_note="大学院で学んだことを持ち帰りたい。",
            comeback_note_quotable=True,
            started_at=left_at,
            completed_at=left_at,
        )
        Comeback.objects.create(
            organization=organization,
            membership=member,
            departure=departure,
            left_on=COMEBACK_LEFT_ON,
            came_back_on=member.joined_on,
        )
