"""Demo for alumni's read access to their own records: the demo `alumni@<slug>.example` gets the tour they finished
before leaving (an alignment, a tour completed after its checkpoints, its agreement signed by every signer with
its sealed PDF), so that signing in as them shows their records read-only, and the employee pages 404.

The story is told through the services while the person was still an employee: the membership is made active for
the seeding transaction (with the manager it had), then set back to alumni as the core demo left it. The tour's
1on1s go through the checkpoint services, which take no day after the real today: a tour ending after it (a demo
seeded for a later `today`) is left out. Idempotent: does nothing once their tour exists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from agreements.models import Tour
from alliance.demo import april_first
from alliance.models import Membership, MembershipStatus, Organization
from alumni.models import Comeback, ComebackInterest, Departure, DepartureKind, DepartureStatus
from checkpoints import selectors, services
from checkpoints.demo_complete import _backdate, _hold, _signed_tour
from checkpoints.models import EndingKind

TITLE = "サポート窓口の自動化"
# A comeback hire: member03@ left to study this many years before the day the core demo says they joined (a
# 1 April), on the day before (31 March), and came back on that day.
COMEBACK_YEARS_AWAY = 2


def comeback_left_on(joined_on: dt.date) -> dt.date:
    """member03@'s last day before their comeback on `joined_on`: 31 March, COMEBACK_YEARS_AWAY years earlier."""
    return april_first(joined_on, COMEBACK_YEARS_AWAY) - dt.timedelta(days=1)


def _alumnus(organization: Organization) -> Membership | None:
    return (
        Membership.objects.select_related("user", "manager__user")
        .filter(organization=organization, user__email=f"alumni@{organization.slug}.example")
        .first()
    )


def seed(organization: Organization, *, today: dt.date | None = None) -> None:
    """Give `organization`'s demo alumnus their completed, signed tour (see the module), and member03@ the story of
    a comeback hire; each is skipped when already there or when its people are missing. Their dates follow the
    memberships' (alliance.demo counted them from `today`)."""
    _comeback(organization)
    member = _alumnus(organization)
    if member is None or member.manager is None or member.left_on is None:
        return
    if member.left_on > timezone.localdate():
        return  # its 1on1s would lie after the real today, which the services refuse (see the module)
    if Tour.objects.filter(employee=member, title=TITLE).exists():
        return
    with transaction.atomic():
        Membership.objects.filter(pk=member.pk).update(status=MembershipStatus.ACTIVE)
        member.refresh_from_db()
        # Twelve months ending on their last day (2025-08-01 to 2026-07-31 for a last day of 2026-07-31).
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
    """member03@ (active) left once, on `comeback_left_on`, to study, and came back on their `joined_on`: a
    completed departure and the Comeback that ended their alumni years (their career timeline shows both)."""
    member = (
        Membership.objects.filter(
            organization=organization, user__email=f"member03@{organization.slug}.example", status="active"
        )
        .exclude(joined_on=None)
        .first()
    )
    if member is None or Comeback.objects.filter(membership=member).exists():
        return
    left_on = comeback_left_on(member.joined_on)
    left_at = timezone.make_aware(dt.datetime.combine(left_on, dt.time(18)))
    with transaction.atomic():
        departure = Departure.objects.create(
            organization=organization,
            membership=member,
            status=DepartureStatus.COMPLETED,
            last_day=left_on,
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
            left_on=left_on,
            came_back_on=member.joined_on,
        )
