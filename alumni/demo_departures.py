"""The demo of leaving well (`seed_demo`, through alliance.demo.DEMO_EXTENSIONS): one departure in progress in each
organization, member05@<slug>.example's (an active member without reports whom no other demo uses), with the
last working day about three weeks from today and the exit conversation partly filled, some answers quotable by
HR and some kept between the person and their manager.

Idempotent: a second run finds the departure (planned or not) and adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from alliance.demo import moment
from alliance.models import Membership, MembershipStatus, Organization
from alumni.models import ComebackInterest, Departure, DepartureKind

LOCAL_PART = "member05"


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Add member05@'s planned departure to `organization`'s demo, its last day 21 days after `today` (default: the
    local date); nothing when it exists or they are not active."""
    member = (
        Membership.objects.for_organization(organization)
        .filter(user__email=f"{LOCAL_PART}@{organization.slug}.example", status=MembershipStatus.ACTIVE)
        .first()
    )
    if member is None or Departure.objects.for_organization(organization).filter(membership=member).exists():
        return
    today = today or timezone.localdate()
    Departure.objects.create(
        organization=organization,
        membership=member,
        last_day=today + timedelta(days=21),
        kind=DepartureKind.STARTUP,
        tour_completed=False,
        manager_id=member.manager_id,
        started_by=member,
        personal_email=f"{LOCAL_PART}.personal@example.com",
        takes_with="顧客と一緒に課題を定義する力と、チームで振り返る習慣。",
        takes_with_quotable=True,
        keep_doing="月1回の1on1で、キャリアの話を正面からしてくれること。",
        keep_doing_quotable=True,
        should_change="評価の基準が部署ごとに違い、異動の相談がしにくかった。",
        should_change_quotable=False,
        comeback=ComebackInterest.MAYBE,
        comeback_note="起業が落ち着いたら、業務委託で関わりたいです。",
        comeback_note_quotable=False,
        conversation_updated_at=moment(today),
    )
