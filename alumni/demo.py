"""The alumni community's base demo (called by `seed_demo` through alliance.demo.DEMO_EXTENSIONS, first of the
alumni modules): the community's settings, a completed departure for each demo alumnus (their last day is the
`left_on` the core demo gave them), and the demo `alumni@<slug>.example` account's community profile.

Later alumni demo modules (posts, opportunities, surveys, a departure in progress) build on these rows.
Idempotent: running `seed_demo` again finds every row and adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from alliance.models import Membership, MembershipStatus, Organization
from alumni.models import AlumniProfile, ComebackInterest, CommunitySettings, Departure, DepartureKind, DepartureStatus

# The demo alumni, by address local part: why they left and what they said about coming back.
KINDS = {"alumni": DepartureKind.CAREER_STEP, "member10": DepartureKind.STARTUP, "member11": DepartureKind.STUDY}


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Add the community settings, the alumni's departures and alumni@'s profile to `organization`'s demo. The
    departures are dated by the alumni's `left_on` (the core demo counted it from `today`)."""
    CommunitySettings.objects.get_or_create(organization=organization)
    alumni = Membership.objects.filter(organization=organization, status=MembershipStatus.ALUMNI).select_related("user")
    for member in alumni.order_by("pk"):
        if member.left_on is None or Departure.objects.filter(membership=member).exists():
            continue
        local = member.user.email.split("@", 1)[0]
        left_at = timezone.make_aware(datetime.combine(member.left_on, time(18, 0)))
        Departure.objects.create(
            organization=organization,
            membership=member,
            status=DepartureStatus.COMPLETED,
            last_day=member.left_on,
            kind=KINDS.get(local, DepartureKind.OTHER),
            tour_completed=True,
            personal_email=f"{local}.personal@example.com",
            comeback=ComebackInterest.MAYBE,
            started_at=left_at,
            completed_at=left_at,
            community_invited_at=left_at,
        )
    slug = organization.slug
    alumnus = alumni.filter(user__email=f"alumni@{slug}.example").first()
    if alumnus is not None:
        AlumniProfile.objects.get_or_create(
            organization=organization,
            membership=alumnus,
            defaults={
                "current_organization": "株式会社ネクストステップ",
                "share_current_organization": True,
                "current_role": "プロダクトマネージャー",
                "share_current_role": True,
                "location": "福岡",
                "share_location": True,
                "skills": "プロダクトマネジメント, UXリサーチ, 採用",
                "share_skills": True,
                "note": "福岡で新規事業のPMをしています。古巣との協業の話はいつでも歓迎です。",
                "share_note": True,
                "links": "https://example.com/misaki",
                "share_links": True,
                "open_to_projects": True,
                "open_to_mentoring": True,
                "open_to_comeback": True,
                "share_open_to": True,
            },
        )
