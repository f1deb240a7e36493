"""The demo of opportunities and referrals (called by `seed_demo` through DEMO_EXTENSIONS, after alumni.demo):
a comeback role posted by HR, a project posted by alumni@ and a partnership (closed), interest from alumni with
follow-up statuses, and referrals in each status by alumni@ and employee@, each with its history.

Rows are written directly (not through the services): a demo sends no notice and writes no audit row.
Idempotent: an organization that already has the comeback role gets nothing more.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from alliance.demo import moment
from alliance.models import Membership, MembershipStatus, Organization
from alumni.models import (
    Interest,
    InterestStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)

COMEBACK_TITLE = "プロダクトマネージャー（出戻り歓迎）"


def _member(organization, local):
    email = f"{local}@{organization.slug}.example"
    return Membership.objects.filter(organization=organization, user__email=email).first()


def _referral(organization, *, opportunity, referrer, hr, name, email, phone, reason, path, when, notes):
    """A referral that went through `path` (statuses after received), one history row per step with its note."""
    referral = Referral.objects.create(
        organization=organization,
        opportunity=opportunity,
        referrer=referrer,
        candidate_name=name,
        candidate_email=email,
        candidate_phone=phone,
        reason=reason,
        status=path[-1] if path else ReferralStatus.RECEIVED,
        created_at=when,
    )
    ReferralStatusChange.objects.create(
        organization=organization,
        referral=referral,
        from_status="",
        to_status=ReferralStatus.RECEIVED,
        changed_by=referrer,
        changed_at=when,
    )
    before = ReferralStatus.RECEIVED
    for step, (status, note) in enumerate(zip(path, notes, strict=True), start=1):
        ReferralStatusChange.objects.create(
            organization=organization,
            referral=referral,
            from_status=before,
            to_status=status,
            note=note,
            changed_by=hr,
            changed_at=when + timedelta(days=7 * step),
        )
        before = status
    return referral


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Add the opportunities, interest and referrals to `organization`'s demo (once)."""
    if Opportunity.objects.filter(organization=organization, title=COMEBACK_TITLE).exists():
        return
    hr, alumnus, employee = (_member(organization, local) for local in ("hr", "alumni", "employee"))
    if hr is None or alumnus is None or employee is None:
        return
    others = list(
        Membership.objects.filter(organization=organization, status=MembershipStatus.ALUMNI)
        .exclude(pk=alumnus.pk)
        .order_by("pk")[:2]
    )
    # Times count back from the seeding day's demo moment (alliance.demo.moment).
    now = moment(today or timezone.localdate())
    comeback = Opportunity.objects.create(
        organization=organization,
        kind=OpportunityKind.COMEBACK,
        title=COMEBACK_TITLE,
        description=(
            "新規事業「キャリア伴走」のプロダクトマネージャーを募集します。\n"
            "当社で働いたことのある方の出戻りを特に歓迎します。在籍時の経験と、外で得た視点の両方を活かしてください。"
        ),
        location="東京（週2日出社）",
        remote=True,
        posted_by=hr,
        created_at=now - timedelta(days=40),
    )
    project = Opportunity.objects.create(
        organization=organization,
        kind=OpportunityKind.PROJECT,
        title="福岡拠点の新規事業 UXリサーチ協力",
        description="3か月の業務委託で、ユーザーインタビューの設計と分析を手伝ってくれる方を探しています。",
        location="福岡",
        remote=True,
        posted_by=alumnus,
        created_at=now - timedelta(days=25),
    )
    partnership = Opportunity.objects.create(
        organization=organization,
        kind=OpportunityKind.PARTNERSHIP,
        title="採用イベントの共同開催パートナー",
        description="アルムナイの皆さんの会社と、エンジニア向け採用イベントを共同で開催しました。",
        location="オンライン",
        remote=True,
        posted_by=hr,
        status=OpportunityStatus.CLOSED,
        created_at=now - timedelta(days=120),
        closed_at=now - timedelta(days=60),
        closed_by=hr,
    )
    Interest.objects.create(
        organization=organization,
        opportunity=comeback,
        membership=alumnus,
        note="今の経験を活かして戻ることも考えています。まずはお話を聞かせてください。",
        created_at=now - timedelta(days=30),
    )
    statuses = (InterestStatus.CONTACTED, InterestStatus.IN_TALKS)
    for other, status in zip(others, statuses, strict=False):
        Interest.objects.create(
            organization=organization,
            opportunity=comeback,
            membership=other,
            status=status,
            created_at=now - timedelta(days=35),
        )
    if others:
        Interest.objects.create(
            organization=organization,
            opportunity=project,
            membership=others[0],
            note="UXリサーチなら力になれます。",
            created_at=now - timedelta(days=20),
        )
        Interest.objects.create(
            organization=organization,
            opportunity=partnership,
            membership=others[-1],
            status=InterestStatus.NOT_THIS_TIME,
            created_at=now - timedelta(days=100),
        )
    _referral(
        organization,
        opportunity=comeback,
        referrer=alumnus,
        hr=hr,
        name="佐藤 健太",
        email="kenta.sato@example.com",
        phone="",
        reason="前職で一緒に働いたPMです。顧客の声を仕様に落とすのが抜群に上手です。",
        path=[],
        notes=[],
        when=now - timedelta(days=5),
    )
    _referral(
        organization,
        opportunity=comeback,
        referrer=employee,
        hr=hr,
        name="松本 優子",
        email="",
        phone="090-1234-5678",
        reason="大学の同期で、BtoB SaaS のPM経験が5年あります。",
        path=[ReferralStatus.IN_TALKS],
        notes=["ご本人とカジュアル面談を設定しました。"],
        when=now - timedelta(days=21),
    )
    _referral(
        organization,
        opportunity=partnership,
        referrer=alumnus,
        hr=hr,
        name="株式会社ミライ 井上 誠",
        email="makoto.inoue@example.com",
        phone="",
        reason="現職の取引先で、採用イベントの運営実績が豊富です。",
        path=[ReferralStatus.IN_TALKS, ReferralStatus.HIRED],
        notes=["共同開催に向けて打ち合わせを始めました。", "共同開催が決まりました。ご紹介ありがとうございました。"],
        when=now - timedelta(days=110),
    )
    _referral(
        organization,
        opportunity=project,
        referrer=employee,
        hr=hr,
        name="木村 直人",
        email="naoto.kimura@example.com",
        phone="",
        reason="リサーチ会社出身の友人です。",
        path=[ReferralStatus.NOT_THIS_TIME],
        notes=["今回は福岡在住の方を優先することになりました。またの機会にお願いします。"],
        when=now - timedelta(days=15),
    )
