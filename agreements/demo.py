"""Demo data for STEP 1-3: people at every stage in both organizations (called by `seed_demo`)."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from agreements import selectors, services
from agreements.models import AgreementTemplate, CareerAlignment, Tour
from alliance.demo import DEMO_PASSWORD
from alliance.models import Membership, Organization
from alliance.periods import period_end

TEMPLATE = {
    "company_offers": (
        "挑戦的な仕事の機会、年間20万円までの学習投資、社内外のネットワークへの紹介、週1回の1on1による支援。"
    ),
    "company_asks": "コミットメント目標への全力の取り組みと、四半期ごとの進捗の共有。",
    "employee_offers": "コミットメント目標の達成に向けた努力と成果、学んだことのチームへの還元。",
    "employee_asks": "ありたい姿に近づく仕事の任せ方と、率直なフィードバック。",
    "alumni_clause": "退職後もアルムナイとして情報交換を続け、協業や再入社の機会を互いに歓迎します。",
}

ALIGNMENT = {
    "core_values": [
        {"value": "誠実さ", "why": "信頼がすべての仕事の土台だと考えるから"},
        {"value": "挑戦", "why": "新しいことに挑むときに一番成長できるから"},
        {"value": "家族との時間", "why": "長く働き続けるための支えだから"},
    ],
    "ideal_self": "プロダクトの力で中小企業の働き方を変える事業責任者になる。いつかは自分の会社を立ち上げたい。",
    "time_horizon": "5y",
    "outside_company": True,
    "resonance_notes": "「当事者であれ」と「相互に投資する」に強く共感する。",
}

DRIFT = {
    "core_values": [{"value": "好奇心", "why": "知らないことを知るのが楽しいから"}],
    "ideal_self": "",
    "time_horizon": "open",
    "uses_career_drift": True,
    "drift_directions": [
        {"direction": "データ分析で意思決定を支える", "goals": "半年で社内ダッシュボードを3つ作る"},
        {"direction": "人に教える", "goals": "社内勉強会を毎月開く"},
    ],
}

KPIS = [
    {
        "name": "決済成功率",
        "definition": "成功した決済件数 ÷ 全決済件数",
        "unit": "%",
        "baseline": "97.50",
        "target": "99.90",
        "direction": "higher",
        "weight": 60,
    },
    {
        "name": "障害対応時間",
        "definition": "障害検知から復旧までの平均時間",
        "unit": "分",
        "baseline": "90",
        "target": "30",
        "direction": "lower",
        "weight": 40,
    },
]


def _member(org, email) -> Membership:
    return Membership.objects.select_related("user", "manager").get(organization=org, user__email=email)


def _tour_data(title, start):
    return {
        "title": title,
        "kind": "transformational",
        "goal": f"{title}をやり切り、事業の成長に直結する成果を出す",
        "toward_ideal_self": "事業責任者に必要な、構想から実行までの経験を積む",
        "value_to_company": "顧客の解約を減らし、売上の継続的な成長に貢献する",
        "start_date": start,
        "end_date": period_end(start, 12),
    }


def _draft(version, actor, start):
    from decimal import Decimal

    kpis = [
        {
            **k,
            "baseline": Decimal(k["baseline"]),
            "target": Decimal(k["target"]),
            "due_date": start + relativedelta(months=11),
        }
        for k in KPIS
    ]
    services.agreement_update_draft(version=version, actor=actor, clauses=TEMPLATE, kpis=kpis)


def _person(org, email, *, stage, title, start):
    """Bring one person to `stage` (aligned, draft, pending, signed); does nothing when they have a tour already."""
    member = _member(org, email)
    manager = member.manager
    if manager is None or Tour.objects.filter(employee=member, title=title).exists():
        return
    if stage == "aligned" and CareerAlignment.objects.filter(employee=member).exists():
        return
    data = DRIFT if stage == "aligned" else ALIGNMENT
    alignment = services.alignment_create(
        actor=manager, employee=member, data={**data, "held_on": start - relativedelta(months=1)}
    )
    if stage == "aligned":
        return  # drafted by the manager, waiting for the employee to confirm it
    services.alignment_confirm(alignment=alignment, actor=member)
    tour = services.tour_create(actor=manager, alignment=alignment, data=_tour_data(title, start))
    version = selectors.current_version(tour.agreement)
    _draft(version, manager, start)
    if stage == "draft":
        return
    version = services.agreement_request_signatures(version=version, actor=manager)
    if stage == "pending":
        services.agreement_sign(
            version=version, actor=member, password=DEMO_PASSWORD, content_hash=version.content_hash
        )
        return
    signers = [member, manager]
    if version.requires_hr:
        signers.append(
            Membership.objects.filter(organization=org, role="hr", status="active").exclude(pk=manager.pk).first()
        )
    for signer in signers:
        services.agreement_sign(
            version=version, actor=signer, password=DEMO_PASSWORD, content_hash=version.content_hash
        )


def seed(organization: Organization, *, today: date | None = None) -> None:
    """The agreement template and each demo person's alignment, tour and agreement at their stage, the tours
    starting two months ago (on the 1st).
    `today` (the seeding day) is not read: this story goes through services that check the real clock (a 1on1 is
    not held after today, a signature is stamped now), so its dates count from the real local date."""
    AgreementTemplate.objects.get_or_create(organization=organization, defaults=TEMPLATE)
    slug = organization.slug
    # The site's local date (Asia/Tokyo), not the machine's: date.today() is a day behind in the UTC evening.
    start = timezone.localdate().replace(day=1) - relativedelta(months=2)
    with transaction.atomic():
        _person(organization, f"employee@{slug}.example", stage="signed", title="決済基盤の刷新", start=start)
        _person(organization, f"member01@{slug}.example", stage="aligned", title="", start=start)
        _person(
            organization, f"member02@{slug}.example", stage="draft", title="新規顧客オンボーディングの改善", start=start
        )
        _person(organization, f"member03@{slug}.example", stage="pending", title="営業データ基盤の構築", start=start)
        _person(organization, f"member04@{slug}.example", stage="signed", title="マーケティング自動化", start=start)
