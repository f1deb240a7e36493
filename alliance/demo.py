"""Demo data for the embedded default and the browser tests: two organizations, each role, varied members.

Dates. Every date the demo chooses counts back (or forward) from the seeding day, `today` (by default the local
date): nobody's joining day, last day, post or survey is a fixed calendar date, so the HR dashboard's default
period (the last 365 days up to today) shows departures, posts and surveys on whatever day the demo is loaded.
`april_first` and `month_end` name the two kinds of day the stories use (a Japanese company hires on 1 April;
people leave on a month's last day). The stories of tours and checkpoints go through services that check the real
clock (a 1on1 is not held after today, a signature is stamped now), so they count from the real day.

Idempotent: a row that exists is found and left alone, its dates included; reseeding on a later day adds nothing
and moves nothing (a demo seeded long ago keeps its old dates: delete the database to start afresh).
"""

import functools
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from alliance.models import (
    CompanyValue,
    Department,
    Invitation,
    Membership,
    MembershipStatus,
    Organization,
    Role,
    User,
)
from alliance.tenancy import organization_scope

DEMO_PASSWORD = "alliance-demo"

# Apps append functions here from AppConfig.ready(); each brings one organization's data for its step, called as
# `extend(organization, today=today)` (the seeding day, see the module's docstring).
DEMO_EXTENSIONS: list = []


def april_first(today: date, years_ago: int) -> date:
    """1 April of the business year (April to March) `years_ago` years before the one `today` is in: the day a
    Japanese company hires its new graduates. april_first(2026-11-30, 0) is 2026-04-01, (2026-02-10, 0)
    2025-04-01."""
    year = today.year if today.month >= 4 else today.year - 1
    return date(year - years_ago, 4, 1)


def month_end(today: date, months_ago: int) -> date:
    """The last day of the calendar month `months_ago` months before `today`'s (0: this month's last day).
    month_end(2026-11-30, 4) is 2026-07-31."""
    return today.replace(day=1) - relativedelta(months=months_ago - 1) - timedelta(days=1)


def moment(today: date) -> datetime:
    """The demo's "now" on `today`: that day at the current local time of day, as an aware datetime (the real now
    when `today` is the local date)."""
    now = timezone.localtime()
    return timezone.make_aware(datetime.combine(today, now.time()))


ORGANIZATIONS = [
    {
        "slug": "acme",
        "name": "株式会社アクメ",
        "mission": "挑戦し続ける事業家集団として、社会の「不」を事業で解き続ける。",
        "vision": "会社と社員が互いに投資し合い、プロスポーツチームのように勝ち続ける組織になる。",
        "checkpoint_interval_months": 3,
        "hr_countersign": True,
        "values": [
            ("当事者であれ", "誰かがやるのを待たず、自分ごととして動く。"),
            ("顧客の成功から考える", "判断に迷ったら、顧客にとっての成果を基準にする。"),
            ("速さは価値", "完璧より先に、小さく早く試して学ぶ。"),
            ("誠実であれ", "都合の悪い事実ほど早く、正直に共有する。"),
            ("相互に投資する", "会社は成長の機会に、社員は成果と献身に投資する。"),
            ("違いを力に", "異なる視点を歓迎し、議論で答えを磨く。"),
            ("学び続ける", "昨日の自分を超えるために、学びに時間を使う。"),
            ("やり切る", "約束した目標には最後まで責任を持つ。"),
            ("仲間を称える", "成果も挑戦も、言葉にして認め合う。"),
        ],
        "people": {
            "hr": ("人事 花子", "人事部長"),
            "manager": ("上司 太郎", "開発部 マネージャー"),
            "employee": ("社員 一郎", "エンジニア"),
            "alumni": ("卒業 美咲", "元 プロダクトマネージャー"),
        },
        "extra": [
            ("佐藤 健", "employee", "active", "エンジニア"),
            ("鈴木 彩", "employee", "active", "デザイナー"),
            ("髙橋 翔", "employee", "active", "セールス"),
            ("田中 結衣", "employee", "active", "マーケティング"),
            ("伊藤 大輔", "manager", "active", "営業部 マネージャー"),
            ("渡邊 真央", "employee", "active", "カスタマーサクセス"),
            ("山本 蓮", "employee", "active", "データアナリスト"),
            ("中村 さくら", "employee", "invited", "エンジニア"),
            ("小林 陽斗", "employee", "invited", "セールス"),
            ("加藤 美月", "employee", "alumni", "元 エンジニア"),
            ("吉田 悠真", "manager", "alumni", "元 企画部 マネージャー"),
            ("山田 葵", "hr", "active", "人事"),
        ],
    },
    {
        "slug": "globex",
        "name": "グローベックス株式会社",
        "mission": "テクノロジーで、働く人と組織の可能性をひらく。",
        "vision": "一人ひとりが自分のキャリアの主役になれる社会をつくる。",
        "checkpoint_interval_months": 3,
        "hr_countersign": False,
        "values": [
            ("オープンに話す", "期待も懸念も、率直に言葉にする。"),
            ("長期で考える", "目先の最適より、関係が続く選択をする。"),
            ("成果で語る", "約束した成果で信頼を積み上げる。"),
            ("越境する", "役割の枠を越えて、価値が生まれる場所に行く。"),
            ("感謝を忘れない", "支えてくれた人に、辞めた後も礼を尽くす。"),
        ],
        "people": {
            "hr": ("人事 次郎", "人事マネージャー"),
            "manager": ("部長 恵子", "プロダクト部 部長"),
            "employee": ("社員 健太", "プロダクトマネージャー"),
            "alumni": ("卒業 直樹", "元 エンジニア"),
        },
        "extra": [
            ("井上 愛", "employee", "active", "エンジニア"),
            ("木村 拓海", "employee", "active", "エンジニア"),
            ("林 美咲", "employee", "active", "デザイナー"),
            ("清水 颯", "manager", "active", "開発部 マネージャー"),
            ("山﨑 凛", "employee", "active", "QA エンジニア"),
            ("森 陸", "employee", "active", "セールス"),
            ("池田 杏", "employee", "active", "広報"),
            ("橋本 蒼", "employee", "invited", "エンジニア"),
            ("阿部 花", "employee", "invited", "データサイエンティスト"),
            ("石川 湊", "employee", "alumni", "元 セールス"),
            ("前田 紬", "employee", "alumni", "元 デザイナー"),
            ("齋藤 樹", "hr", "active", "労務"),
        ],
    },
]


# Each demo person's reading (フリガナ), mostly katakana, a few in hiragana as people type them. 阿部 花 has
# none, to show that people without a reading come last in the lists.
READINGS = {
    "人事 花子": "ジンジ ハナコ",
    "上司 太郎": "ジョウシ タロウ",
    "社員 一郎": "シャイン イチロウ",
    "卒業 美咲": "ソツギョウ ミサキ",
    "佐藤 健": "サトウ ケン",
    "鈴木 彩": "スズキ アヤ",
    "髙橋 翔": "タカハシ ショウ",
    "田中 結衣": "たなか ゆい",
    "伊藤 大輔": "イトウ ダイスケ",
    "渡邊 真央": "ワタナベ マオ",
    "山本 蓮": "ヤマモト レン",
    "中村 さくら": "ナカムラ サクラ",
    "小林 陽斗": "コバヤシ ハルト",
    "加藤 美月": "カトウ ミヅキ",
    "吉田 悠真": "ヨシダ ユウマ",
    "山田 葵": "ヤマダ アオイ",
    "人事 次郎": "ジンジ ジロウ",
    "部長 恵子": "ブチョウ ケイコ",
    "社員 健太": "シャイン ケンタ",
    "卒業 直樹": "ソツギョウ ナオキ",
    "井上 愛": "イノウエ アイ",
    "木村 拓海": "キムラ タクミ",
    "林 美咲": "はやし みさき",
    "清水 颯": "シミズ ハヤテ",
    "山﨑 凛": "ヤマザキ リン",
    "森 陸": "モリ リク",
    "池田 杏": "イケダ アン",
    "橋本 蒼": "ハシモト アオイ",
    "石川 湊": "イシカワ ミナト",
    "前田 紬": "マエダ ツムギ",
    "齋藤 樹": "サイトウ イツキ",
}


# Each organization's departments (name, code), in list order, and the words of a job title that place a demo
# member in one; a member whose title matches none goes to the first department after HR.
DEPARTMENTS = [
    ("人事部", "HR", ("人事", "労務")),
    ("開発部", "DEV", ("エンジニア", "開発", "データ", "QA", "プロダクト")),
    ("営業部", "SALES", ("セールス", "営業", "カスタマー")),
    ("マーケティング部", "MKT", ("マーケティング", "デザイナー", "広報", "企画")),
]


def _seed_departments(org: Organization) -> None:
    """The demo departments, and a department for each demo member who has none yet (HR may have changed one:
    a member's department is left alone once set)."""
    departments = []
    for position, (name, code, words) in enumerate(DEPARTMENTS, start=1):
        department, _ = Department.objects.update_or_create(
            organization=org, name=name, defaults={"code": code, "position": position}
        )
        departments.append((department, words))
    for membership in Membership.objects.for_organization(org).filter(department__isnull=True):
        title = membership.job_title
        chosen = next((d for d, words in departments if any(word in title for word in words)), departments[1][0])
        Membership.objects.for_organization(org).filter(pk=membership.pk).update(department=chosen)


@functools.cache
def _demo_password_hash() -> str:
    # One hash for every demo account: PBKDF2 costs ~0.4 s a call, which would dominate the seeding.
    return make_password(DEMO_PASSWORD)


def _user(email: str, name: str) -> User:
    reading = READINGS.get(name, "")
    user, created = User.objects.get_or_create(
        email=email, defaults={"name": name, "reading": reading, "language": "ja"}
    )
    if created or not user.has_usable_password():
        user.password = _demo_password_hash()
        user.save()
    elif reading and not user.reading:
        # Demo data seeded before readings existed gets them on the next seed_demo.
        user.reading = reading
        user.save(update_fields=["reading"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _member(org, user, *, role, status, job_title, manager=None, joined=None, left=None) -> Membership:
    """The demo membership, refreshed; its joining and last day are set when it is created and kept after (the
    alumni's departures, surveys and tours were dated from them on that first day)."""
    fields = {"role": role, "status": status, "job_title": job_title, "manager": manager}
    membership, created = Membership.objects.get_or_create(
        organization=org, user=user, defaults={**fields, "joined_on": joined, "left_on": left}
    )
    changed = [name for name, value in fields.items() if getattr(membership, name) != value]
    if not created and changed:
        # Saved only when something differs: each save writes a history row (alliance.history).
        for name in changed:
            setattr(membership, name, fields[name])
        membership.save(update_fields=changed)
    return membership


def _pending_invitation(org, email, role, job_title, manager, hr, today) -> None:
    if Invitation.objects.for_organization(org).pending().filter(email=email).exists():
        return
    _token, token_hash = Invitation.new_token()
    Invitation.objects.create(
        organization=org,
        email=email,
        role=role,
        job_title=job_title,
        manager=manager,
        token_hash=token_hash,
        invited_by=hr.user,
        expires_at=Invitation.default_expiry(moment(today)),
    )


@transaction.atomic
def seed(*, stdout=None, today: date | None = None) -> list[Organization]:
    """Create or refresh the demo data; running it again changes nothing and duplicates nothing. `today`: the
    seeding day every demo date counts from (default: the local date; see the module's docstring)."""
    today = today or timezone.localdate()
    organizations = []
    for spec in ORGANIZATIONS:
        slug = spec["slug"]
        org, _ = Organization.objects.update_or_create(
            slug=slug,
            defaults={
                "name": spec["name"],
                "mission": spec["mission"],
                "vision": spec["vision"],
                "checkpoint_interval_months": spec["checkpoint_interval_months"],
                "hr_countersign": spec["hr_countersign"],
            },
        )
        with organization_scope(org):
            _seed_organization(org, spec, today=today, stdout=stdout)
        organizations.append(org)
    return organizations


def _seed_organization(org: Organization, spec: dict, *, today: date, stdout=None) -> None:
    """One organization's demo rows, inside its scope (the caller entered it): values, people, invitations,
    then each app's extension (DEMO_EXTENSIONS)."""
    slug = spec["slug"]
    for position, (title, description) in enumerate(spec["values"], start=1):
        CompanyValue.objects.update_or_create(
            organization=org, position=position, defaults={"title": title, "description": description}
        )
    people = spec["people"]
    hr = _member(
        org,
        _user(f"hr@{slug}.example", people["hr"][0]),
        role=Role.HR,
        status=MembershipStatus.ACTIVE,
        job_title=people["hr"][1],
        joined=april_first(today, 7),
    )
    manager = _member(
        org,
        _user(f"manager@{slug}.example", people["manager"][0]),
        role=Role.MANAGER,
        status=MembershipStatus.ACTIVE,
        job_title=people["manager"][1],
        manager=hr,
        joined=april_first(today, 6),
    )
    _member(
        org,
        _user(f"employee@{slug}.example", people["employee"][0]),
        role=Role.EMPLOYEE,
        status=MembershipStatus.ACTIVE,
        job_title=people["employee"][1],
        manager=manager,
        joined=april_first(today, 3),
    )
    _member(
        org,
        _user(f"alumni@{slug}.example", people["alumni"][0]),
        role=Role.EMPLOYEE,
        status=MembershipStatus.ALUMNI,
        job_title=people["alumni"][1],
        manager=manager,
        joined=april_first(today, 8),
        # Four months ago: their 3-month survey went out at the end of last month (alumni/demo_surveys.py).
        left=month_end(today, 4),
    )
    for index, (name, role, status, job_title) in enumerate(spec["extra"], start=1):
        # Alumni for over a year: they left before the dashboard's default period.
        left = month_end(today, 14) if status == MembershipStatus.ALUMNI else None
        _member(
            org,
            _user(f"member{index:02d}@{slug}.example", name),
            role=role,
            status=status,
            job_title=job_title,
            manager=None if role == Role.HR else manager,
            joined=None if status == MembershipStatus.INVITED else april_first(today, 5),
            left=left,
        )
        if status == MembershipStatus.INVITED:
            _pending_invitation(org, f"member{index:02d}@{slug}.example", role, job_title, manager, hr, today)
    _seed_departments(org)
    for extend in DEMO_EXTENSIONS:
        extend(org, today=today)
    # The members the extensions added (alumni, survey respondents) get theirs now, not on the next seed.
    _seed_departments(org)
    if stdout:
        stdout.write(f"  {org.name} (/{slug}/): {org.memberships.count()} members")
