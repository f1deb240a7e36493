"""The community's profiles in the demo (alliance.demo.DEMO_EXTENSIONS, after alumni/demo.py): a few more alumni
who left in different years from two teams, and profiles with different consents, so the directory has several
entries to search and filter, one hidden profile, one alumnus who left the community and one who has not
joined yet (the home page invites them). Idempotent: a second run finds every row and changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from alliance.demo import _demo_password_hash, april_first, moment, month_end
from alliance.models import Membership, MembershipStatus, Organization, Role, User
from alumni.models import AlumniProfile, ComebackInterest, Departure, DepartureKind, DepartureStatus

# Per organization: (local part, name, reading, job title, last day as months ago (alliance.demo.month_end: the
# end of that month), index of the manager in MANAGERS). They joined 8 years ago (1 April), so each left after
# joining; former03@ and former04@ left within the last year (the HR dashboard's default period).
PEOPLE = {
    "acme": [
        ("former01", "森田 千尋", "モリタ チヒロ", "元 エンジニア", 44, 1),
        ("former02", "大野 悠", "オオノ ハルカ", "元 セールス", 53, 0),
        ("former03", "近藤 光", "コンドウ ヒカル", "元 データアナリスト", 2, 1),
        ("former04", "西村 玲奈", "ニシムラ レイナ", "元 デザイナー", 11, 0),
    ],
    "globex": [
        ("former01", "松本 陽向", "マツモト ヒナタ", "元 エンジニア", 44, 1),
        ("former02", "岡田 茜", "オカダ アカネ", "元 広報", 53, 0),
        ("former03", "藤井 瑛太", "フジイ エイタ", "元 QA エンジニア", 2, 1),
        ("former04", "長谷川 澪", "ハセガワ ミオ", "元 デザイナー", 11, 0),
    ],
}
JOINED_YEARS_AGO = 8
# Comeback answers the person let HR quote (alumni.insights counts them as shared), by local part; the others
# said "maybe" and kept it between them and their manager.
SHARED_COMEBACK = {"former03": (ComebackInterest.YES, "学び直しが終わったら、データの仕事でまた力になりたいです。")}
# The managers the demo alumni had: manager@ and the other demo manager (member05@ in acme, member04@ in globex).
MANAGERS = {"acme": ("manager", "member05"), "globex": ("manager", "member04")}

# Profiles by local part. former04@ has none (not joined yet); alumni@'s is alumni/demo.py's.
PROFILES = {
    "member10": {
        "current_role": "フロントエンドエンジニア",
        "share_current_role": True,
        "current_organization": "フリーランス",
        "skills": "React, TypeScript, アクセシビリティ",
        "share_skills": True,
        "open_to_mentoring": True,
        "open_to_speaking": True,
        "share_open_to": True,
    },
    # Hidden from the directory: found by nobody, whatever it shares.
    "member11": {
        "current_organization": "株式会社アトラス",
        "share_current_organization": True,
        "skills": "事業開発, 採用",
        "share_skills": True,
        "hidden": True,
    },
    "former01": {
        "current_organization": "株式会社ミライラボ",
        "share_current_organization": True,
        "current_role": "エンジニアリングマネージャー",
        "share_current_role": True,
        "location": "大阪",
        "skills": "Python, Go, 採用",
        "share_skills": True,
        "links": "https://example.com/chihiro",
        "share_links": True,
        "open_to_comeback": True,
        "open_to_projects": True,
        "share_open_to": True,
    },
    # Left the community: the profile is kept, out of the directory, their posts show as a former member's.
    "former02": {
        "current_organization": "合同会社ソラ",
        "share_current_organization": True,
        "note": "しばらく休みます。",
        "share_note": True,
        "left": True,
    },
    # Shares only a note: the skills and what they are open to stay private (and unsearchable).
    "former03": {
        "note": "大学院で統計を学び直しています。",
        "share_note": True,
        "skills": "機械学習, 統計",
        "open_to_mentoring": True,
        "location": "京都",
    },
}


def _alumnus(organization, local, name, reading, job_title, last_day, manager, joined):
    user, created = User.objects.get_or_create(
        email=f"{local}@{organization.slug}.example", defaults={"name": name, "reading": reading, "language": "ja"}
    )
    if created:
        user.password = _demo_password_hash()
        user.save()
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    membership, _created = Membership.objects.get_or_create(
        organization=organization,
        user=user,
        defaults={
            "role": Role.EMPLOYEE,
            "status": MembershipStatus.ALUMNI,
            "job_title": job_title,
            "manager": manager,
            "joined_on": joined,
            "left_on": last_day,
        },
    )
    if not Departure.objects.filter(membership=membership).exists():
        left_at = timezone.make_aware(datetime.combine(last_day, time(18, 0)))
        comeback, note = SHARED_COMEBACK.get(local, (ComebackInterest.MAYBE, ""))
        Departure.objects.create(
            organization=organization,
            membership=membership,
            status=DepartureStatus.COMPLETED,
            last_day=last_day,
            kind=DepartureKind.CAREER_STEP,
            manager=manager,
            tour_completed=True,
            personal_email=f"{local}.personal@example.com",
            comeback=comeback,
            comeback_note=note,
            comeback_note_quotable=bool(note),
            started_at=left_at,
            completed_at=left_at,
            community_invited_at=left_at,
        )
    return membership


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Add the community's demo alumni and profiles to `organization` (acme or globex; others are left alone),
    their dates counted from `today` (default: the local date)."""
    today = today or timezone.localdate()
    slug = organization.slug
    if slug not in PEOPLE:
        return
    members = Membership.objects.filter(organization=organization).select_related("user")
    managers = [members.filter(user__email=f"{local}@{slug}.example").first() for local in MANAGERS[slug]]
    joined = april_first(today, JOINED_YEARS_AGO)
    for local, name, reading, job_title, months_ago, manager_index in PEOPLE[slug]:
        last_day = month_end(today, months_ago)
        _alumnus(organization, local, name, reading, job_title, last_day, managers[manager_index], joined)
    # The former team of the base demo's alumni: the manager they had (the departure's record of it).
    for departure in Departure.objects.filter(
        organization=organization, status=DepartureStatus.COMPLETED, manager__isnull=True
    ).select_related("membership"):
        if departure.membership.manager_id:
            departure.manager_id = departure.membership.manager_id
            departure.save(update_fields=["manager"])
    for local, spec in PROFILES.items():
        member = members.filter(user__email=f"{local}@{slug}.example", status=MembershipStatus.ALUMNI).first()
        if member is None or AlumniProfile.objects.filter(membership=member).exists():
            continue
        fields = {key: value for key, value in spec.items() if key != "left"}
        profile = AlumniProfile(organization=organization, membership=member, **fields)
        if spec.get("left"):
            # Half a day ago: after their last posts (alumni/demo_posts.py), which stay, shown as a former member's.
            profile.left_community_at = moment(today) - timedelta(hours=12)
        profile.save()
