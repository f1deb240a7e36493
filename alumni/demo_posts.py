"""The community feed's demo (alliance.demo.DEMO_EXTENSIONS, after alumni.demo): posts by alumni@, the other
demo alumni and hr@ over the past days (so the weekly digest has something to send), comments, one post pinned
by HR, one hidden by HR with a reason; one alumnus turned the weekly digest off. Every demo alumnus posts: the
one the community part's demo marks as having left the community shows as "a former member".

Idempotent: an organization that has any post is left as it is.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F
from django.utils import timezone

from alliance.demo import moment
from alliance.models import Membership, MembershipStatus, Organization
from alumni.models import Comment, DigestPreference, Post

WELCOME = (
    "アルムナイの皆さん、コミュニティへようこそ。近況、勉強会の告知、相談ごとなど気軽に投稿してください。\n"
    "投稿のお願い（宣伝・勧誘はご遠慮ください）: https://example.com/community/guidelines"
)
EVENT = (
    "福岡でPMをしています。来月、プロダクトづくりの勉強会を開きます。詳細と申込はこちら"
    "https://example.com/events/fukuoka-pm。古巣の皆さんの参加も大歓迎です！"
)
STARTUP = "独立して1年が経ちました。UXリサーチと採用の相談に乗ってくださる方を探しています。お茶でもいかがですか。"
STUDY = "大学院での研究テーマが決まりました（組織行動論）。在籍中の経験がそのまま題材になっています。"
SPAM = "【期間限定】弊社サービスの特別割引はこちら → https://example.com/sale 今だけ50%オフ！"
HIDDEN_REASON = "コミュニティでの宣伝・勧誘はご遠慮いただいています（投稿のお願い 3）。"


def _member(organization, email):
    return Membership.objects.filter(organization=organization, user__email=email).first()


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Add the demo posts and comments to `organization`'s community (nothing when it has posts already)."""
    if Post.objects.filter(organization=organization).exists():
        return
    slug = organization.slug
    hr = _member(organization, f"hr@{slug}.example")
    alumnus = _member(organization, f"alumni@{slug}.example")
    others = list(
        Membership.objects.filter(organization=organization, status=MembershipStatus.ALUMNI)
        .exclude(user__email=f"alumni@{slug}.example")
        # Whoever left the community (alumni/demo_community.py) posts first, so the feed shows "a former member".
        .order_by(F("alumni_profile__left_community_at").desc(nulls_last=True), "user__email")
    )
    if hr is None or alumnus is None:
        return
    # Times count back from the seeding day's demo moment (alliance.demo.moment).
    now = moment(today or timezone.localdate())

    def post(author, body, days_ago, **extra):
        return Post.objects.create(
            organization=organization, author=author, body=body, created_at=now - timedelta(days=days_ago), **extra
        )

    def comment(on, author, body, hours_after):
        Comment.objects.create(
            organization=organization,
            post=on,
            author=author,
            body=body,
            created_at=on.created_at + timedelta(hours=hours_after),
        )

    welcome = post(hr, WELCOME, 6, pinned_at=now - timedelta(days=6), pinned_by=hr)
    comment(welcome, alumnus, "ありがとうございます！また皆さんとつながれてうれしいです。", 3)
    event = post(alumnus, EVENT, 2)
    comment(event, hr, "素敵ですね。社内の有志にも声をかけてみます。", 2)
    if others:
        comment(event, others[0], "参加します！当日はよろしくお願いします。", 5)
        startup = post(others[0], STARTUP, 4)
        comment(startup, alumnus, "ぜひ！来週あたりどうでしょう。", 6)
        post(
            others[0],
            SPAM,
            1,
            hidden_at=now - timedelta(hours=20),
            hidden_by=hr,
            hidden_reason=HIDDEN_REASON,
        )
    if len(others) > 1:
        post(others[-1], STUDY, 3)
        # Someone who reads the feed now and then but wants no e-mail about it.
        DigestPreference.objects.get_or_create(
            organization=organization, membership=others[-1], defaults={"weekly_digest": False}
        )
