"""The bench seed's alumni rows (alliance.bench_seed, `manage.py seed_bench`): each bench alumnus's completed
departure (last day = the membership's `left_on`, the manager at the time, an exit conversation), a few planned
departures of current employees, the community's settings, alumni profiles (most of them sharing fields, so
the directory has content), and a feed of posts with comments (one pinned by HR), as the alumni services make
them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from alliance.bench_seed import BenchContext, Person
from alliance.core_models import AuditEntry
from alliance.models import MembershipStatus, Role
from alliance.text import search_document
from alumni.models import (
    AlumniProfile,
    ComebackInterest,
    Comment,
    CommunitySettings,
    Departure,
    DepartureKind,
    DepartureStatus,
    Post,
)
from alumni.models.community import SEARCHED_FIELDS

COMPANIES = ["株式会社ミライ", "スタートアップ合同会社", "グローバル商事", "大学院", "フリーランス"]
ROLES = ["プロダクトマネージャー", "エンジニア", "創業者", "研究員", "コンサルタント"]
SKILLS = ["Python, データ分析", "UXリサーチ, 採用", "営業, 事業開発", "SRE, クラウド", "組織開発, 人事制度"]
POSTS = [
    "近況報告です。新しい職場で半年が経ちました。古巣での経験がとても役立っています。",
    "来月、勉強会を開きます。詳細はこちら https://example.com/events 皆さんの参加をお待ちしています。",
    "採用の相談に乗ってくださる方を探しています。お茶でもいかがですか。",
    "大学院での研究テーマが決まりました。在籍中の経験がそのまま題材になっています。",
]
COMMENTS = ["おめでとうございます！", "ぜひ参加します。", "お手伝いできることがあれば声をかけてください。"]


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _departure(ctx: BenchContext, person: Person, hr: Person, *, planned: bool) -> int:
    rng = ctx.rng
    departure_id = ctx.next_id(Departure)
    last_day = ctx.today + timedelta(days=rng.randint(14, 60)) if planned else person.left_on
    manager_id = person.manager_id if planned else person.former_manager_id
    tours = ctx.shared.get("tours_by_person", {}).get(person.id, [])
    quotable = rng.random() < 0.6
    ctx.table(Departure).add(
        id=departure_id,
        organization_id=person.org.id,
        membership_id=person.id,
        status=DepartureStatus.PLANNED if planned else DepartureStatus.COMPLETED,
        last_day=last_day,
        kind=rng.choice(DepartureKind.values),
        tour_completed=any(t.kind == "left_completed" for t in tours),
        manager_id=manager_id,
        personal_email=f"{person.email.split('@')[0]}.{person.org.slug}@personal.bench.example",
        takes_with="顧客と向き合う姿勢と、仲間との信頼関係。",
        takes_with_quotable=quotable,
        keep_doing="率直な1on1と、挑戦を任せる文化。",
        keep_doing_quotable=quotable,
        should_change="評価の基準をもっと明確にしてほしい。",
        comeback=rng.choice(ComebackInterest.values),
        comeback_note="機会があればまた一緒に働きたい。",
        wants_from_community="勉強会や協業の機会。",
        conversation_updated_at=_at(last_day - timedelta(days=10)),
        started_by_id=hr.id,
        started_at=_at(last_day - timedelta(days=45)),
        completed_at=None if planned else _at(last_day, 23),
        community_invited_at=None if planned else _at(last_day, 23),
    )
    return departure_id


def seed(ctx: BenchContext) -> None:
    """Write the departures, community settings, profiles, posts and comments of every bench organization."""
    rng = ctx.rng
    by_person: dict[int, list] = {}
    for tour in ctx.shared.get("tours", []):
        by_person.setdefault(tour.person.id, []).append(tour)
    ctx.shared["tours_by_person"] = by_person
    settings_t = ctx.table(CommunitySettings)
    ctx.table(Departure)
    profiles = ctx.table(AlumniProfile)
    posts = ctx.table(Post)
    comments = ctx.table(Comment)
    audit = ctx.table(AuditEntry)
    departure_type = ContentType.objects.get_for_model(Departure).pk
    for org in ctx.each("departures and the alumni community", ctx.orgs, len(ctx.orgs)):
        hr = org.personas["hr"]
        settings_t.add(id=ctx.next_id(CommunitySettings), organization_id=org.id, employees_see_directory=True)
        alumni = [p for p in org.people if p.status == MembershipStatus.ALUMNI]
        leaving = [
            p
            for p in org.people
            if p.status == MembershipStatus.ACTIVE and p.role == Role.EMPLOYEE and not p.persona and rng.random() < 0.01
        ]
        for person in alumni + leaving:
            planned = person.status == MembershipStatus.ACTIVE
            departure_id = _departure(ctx, person, hr, planned=planned)
            last_day = ctx.today if planned else person.left_on
            audit.add(
                id=ctx.next_id(AuditEntry),
                organization_id=org.id,
                at=_at(last_day - timedelta(days=45)),
                actor_user_id=hr.user_id,
                actor_id=hr.id,
                subject_id=person.id,
                action="departure.start",
                content_type_id=departure_type,
                object_id=str(departure_id),
                object_label=person.name,
                changes={"status": [None, DepartureStatus.PLANNED]},
            )
        members = []
        for person in alumni:
            if person.persona != "alumnus" and rng.random() >= 0.7:
                continue
            members.append(person)
            shared = person.persona == "alumnus" or rng.random() < 0.8
            fields = {
                "current_organization": rng.choice(COMPANIES),
                "current_role": rng.choice(ROLES),
                "skills": rng.choice(SKILLS),
            }
            profiles.add(
                id=ctx.next_id(AlumniProfile),
                organization_id=org.id,
                membership_id=person.id,
                joined_at=_at(person.left_on + timedelta(days=rng.randint(1, 14))),
                location=rng.choice(("東京", "大阪", "福岡", "札幌")),
                note="古巣の皆さんと、また何か一緒にできたら嬉しいです。",
                open_to_comeback=rng.random() < 0.4,
                open_to_projects=rng.random() < 0.5,
                open_to_mentoring=rng.random() < 0.3,
                share_current_organization=shared,
                share_current_role=shared,
                share_location=shared,
                share_skills=shared,
                share_note=shared,
                share_open_to=shared,
                search_text=search_document(*(fields[name] for name in SEARCHED_FIELDS)) if shared else "",
                **fields,
            )
        authors = members + [hr]
        count = max(3, len(members) // 2)
        for i in range(count):
            author = authors[i % len(authors)]
            post_id = ctx.next_id(Post)
            created = ctx.now - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 23))
            pinned = i == 0
            posts.add(
                id=post_id,
                organization_id=org.id,
                author_id=author.id,
                body=rng.choice(POSTS),
                created_at=created,
                pinned_at=created if pinned else None,
                pinned_by_id=hr.id if pinned else None,
            )
            for j in range(rng.randint(0, 3)):
                commenter = authors[(i + j + 1) % len(authors)]
                comments.add(
                    id=ctx.next_id(Comment),
                    organization_id=org.id,
                    post_id=post_id,
                    author_id=commenter.id,
                    body=rng.choice(COMMENTS),
                    created_at=created + timedelta(hours=j + 1),
                )
