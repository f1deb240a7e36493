"""Demo data for the end of tours (called by `seed_demo` through alliance.demo.DEMO_EXTENSIONS, after
agreements' and checkpoints' own):

- member06@<org>: a tour of duty that ran over the past year, every checkpoint and the closing review held and
  confirmed, marked completed by both sides, followed by the next tour (started from it, signed, active now);
- member07@<org>: a tour ended early by both sides with a reason, followed by a move inside the company.

Both are active employees reporting to manager@ (alliance.demo). Everything goes through the services, with
dates of the 1on1s in the past (the rules accept any day within the tour's period up to today). The services
stamp the proposals and their confirmations with the current time; the demo then moves those stamps to the day
the story says they happened (`_backdate`), since a completion recorded today for a tour that ended two months
ago would read oddly. Signatures keep today's time: a signed version never changes (database triggers).
Idempotent: a person who already has the demo's first tour is left as they are.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from agreements import selectors as agreement_selectors
from agreements import services as agreement_services
from agreements.models import Tour
from alliance.demo import DEMO_PASSWORD
from alliance.models import Membership, Organization
from alliance.periods import period_end
from checkpoints import selectors, services
from checkpoints.models import EndingKind, OutcomeKind, TourEnding

FIRST_TITLE = "顧客サポートの自動化"
NEXT_TITLE = "サポートデータの活用基盤づくり"
EARLY_TITLE = "請求業務の効率化"

CLAUSES = {
    "company_offers": "自動化ツールへの投資、外部勉強会への参加支援、週1回の1on1。",
    "company_asks": "四半期ごとのKPI報告と、学んだことのチームへの共有。",
    "employee_offers": "コミットメント目標の達成に向けた努力と成果。",
    "employee_asks": "ありたい姿に近づく仕事の任せ方と、率直なフィードバック。",
    "alumni_clause": "退職後もアルムナイとして情報交換を続け、協業や再入社の機会を互いに歓迎します。",
}
ALIGNMENT = {
    "core_values": [{"value": "顧客への誠実さ", "why": "困っている人の役に立つことが一番のやりがいだから"}],
    "ideal_self": "顧客体験をデータで設計できるプロダクトマネージャーになる。",
    "time_horizon": "3y",
    "outside_company": False,
}
KPIS = [
    {
        "name": "一次回答の自動化率",
        "definition": "問い合わせのうち自動応答で一次回答した割合",
        "unit": "%",
        "baseline": Decimal("10"),
        "target": Decimal("40"),
        "direction": "higher",
        "weight": 100,
    }
]


def _member(organization, email) -> Membership | None:
    return (
        Membership.objects.select_related("user", "manager")
        .filter(organization=organization, user__email=email, status="active")
        .first()
    )


def _hr(organization, manager) -> Membership | None:
    hr = Membership.objects.filter(organization=organization, role="hr", status="active")
    return hr.exclude(pk=manager.pk).first()


def _signed_tour(member, *, title, start, months=12, alignment=None, previous=None) -> Tour:
    """A tour of `member` from `start`, with its agreement drafted, requested and signed by every signer (its
    checkpoints scheduled); `previous`, when given, is the ended tour it follows (services.tour_start_next)."""
    manager = member.manager
    if alignment is None:
        alignment = agreement_services.alignment_create(
            actor=manager, employee=member, data={**ALIGNMENT, "held_on": start - relativedelta(months=1)}
        )
        agreement_services.alignment_confirm(alignment=alignment, actor=member)
    data = {
        "title": title,
        "kind": "transformational",
        "goal": f"{title}で、顧客の待ち時間を半分にする",
        "toward_ideal_self": "顧客体験をデータで設計する経験を積む",
        "value_to_company": "サポートの品質を上げながらコストを抑える",
        "start_date": start,
        "end_date": period_end(start, months),
    }
    if previous is not None:
        tour = services.tour_start_next(previous=previous, actor=manager, alignment=alignment, data=data)
    else:
        tour = agreement_services.tour_create(actor=manager, alignment=alignment, data=data)
    version = agreement_selectors.current_version(tour.agreement)
    due = period_end(start, months) - dt.timedelta(days=7)
    agreement_services.agreement_update_draft(
        version=version, actor=manager, clauses=CLAUSES, kpis=[{**k, "due_date": due} for k in KPIS]
    )
    version = agreement_services.agreement_request_signatures(version=version, actor=manager)
    signers = [member, manager]
    if version.requires_hr:
        signers.append(_hr(member.organization, manager))
    for signer in signers:
        agreement_services.agreement_sign(
            version=version, actor=signer, password=DEMO_PASSWORD, content_hash=version.content_hash
        )
    # The signature schedules after the seeding transaction commits; scheduling now is the same idempotent step.
    services.checkpoints_schedule(tour=tour)
    tour.refresh_from_db()
    return tour


def _hold(checkpoint, member, *, held_on, value, confidence, reflection, notes):
    """Record `checkpoint` as held on `held_on` by both sides, the KPI at `value`, and confirm it by both."""
    tour = checkpoint.tour
    measurements = {
        row.kpi.pk: {"value": value, "comment": ""}
        for row in selectors.kpi_rows(checkpoint, selectors.version_in_force(tour))
    }
    shared = {"held_on": held_on, "confidence": confidence}
    services.checkpoint_record(
        checkpoint=checkpoint,
        actor=member,
        data={**shared, "employee_alignment": "on_track", "employee_alignment_why": "", "reflection": reflection},
        measurements=measurements,
    )
    services.checkpoint_record(
        checkpoint=checkpoint,
        actor=member.manager,
        data={**shared, "manager_alignment": "on_track", "manager_alignment_why": "", "manager_notes": notes},
        measurements=measurements,
    )
    services.checkpoint_confirm(checkpoint=checkpoint, actor=member)
    services.checkpoint_confirm(checkpoint=checkpoint, actor=member.manager)


def _backdate(ending: TourEnding, day: dt.date) -> None:
    """Move the proposal's and confirmation's stamps (and the cancellations it made) to `day`, 18:00 local time:
    the demo tells a past story through services that stamp the present (see the module docstring)."""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(18)))
    TourEnding.objects.filter(pk=ending.pk).update(proposed_at=at, confirmed_at=at)
    ending.cancellations.update(cancelled_at=at)


def _completed_then_next(organization: Organization) -> None:
    member = _member(organization, f"member06@{organization.slug}.example")
    if member is None or member.manager is None or Tour.objects.filter(employee=member, title=FIRST_TITLE).exists():
        return
    today = timezone.localdate()
    # Fifteen months back: the first tour ended three months ago and the next one started the day after, so the
    # next tour's first checkpoint fell due at the end of last month and is still to hold: the demo's overdue
    # checkpoint (the manager's "waiting for you", HR's overdue list and its reminders have data on a fresh start).
    start = today.replace(day=1) - relativedelta(months=15)
    first = _signed_tour(member, title=FIRST_TITLE, start=start)
    checkpoints = list(selectors.tour_checkpoints(first))
    for number, checkpoint in enumerate(checkpoints, start=1):
        closing = number == len(checkpoints)
        _hold(
            checkpoint,
            member,
            held_on=checkpoint.due_date,
            value=Decimal(10 + 8 * number),
            confidence=min(6 + number, 10),
            reflection="目標を達成できた。次はデータを活かしたい。" if closing else "自動応答のシナリオを増やせた。",
            notes="一年間よくやり切った。次のツアーでは分析に挑戦しよう。" if closing else "順調。",
        )
    ending = services.tour_ending_propose(
        tour=first, actor=member.manager, kind=EndingKind.COMPLETED, reason="目標の自動化率を達成。"
    )
    services.tour_ending_confirm(ending=ending, actor=member)
    _backdate(ending, min(first.end_date, today))
    # The next tour grows from a new 1on1 held at the closing review, and starts the day after the first ended.
    alignment = agreement_services.alignment_create(
        actor=member.manager, employee=member, data={**ALIGNMENT, "held_on": first.end_date}
    )
    agreement_services.alignment_confirm(alignment=alignment, actor=member)
    _signed_tour(
        member,
        title=NEXT_TITLE,
        start=first.end_date + dt.timedelta(days=1),
        alignment=alignment,
        previous=Tour.objects.get(pk=first.pk),
    )


def _ended_early_then_moved(organization: Organization) -> None:
    member = _member(organization, f"member07@{organization.slug}.example")
    if member is None or member.manager is None or Tour.objects.filter(employee=member, title=EARLY_TITLE).exists():
        return
    today = timezone.localdate()
    start = today.replace(day=1) - relativedelta(months=8)
    tour = _signed_tour(member, title=EARLY_TITLE, start=start)
    first = selectors.tour_checkpoints(tour).first()
    _hold(
        first,
        member,
        held_on=first.due_date,
        value=Decimal("18"),
        confidence=6,
        reflection="請求の自動化は進んだが、データ基盤の仕事により強い関心がある。",
        notes="本人の関心が社内公募のデータ基盤チームと重なっている。応援したい。",
    )
    ending = services.tour_ending_propose(
        tour=tour,
        actor=member,
        kind=EndingKind.ENDED_EARLY,
        reason="社内公募でデータ基盤チームへの異動が決まったため。請求業務の引き継ぎは完了済み。",
    )
    services.tour_ending_confirm(ending=ending, actor=member.manager)
    ended_on = first.due_date + relativedelta(months=2)
    _backdate(ending, min(ended_on, today))
    services.tour_outcome_record(
        tour=Tour.objects.get(pk=tour.pk),
        actor=member.manager,
        kind=OutcomeKind.MOVED_INSIDE,
        destination="データ基盤チーム（データエンジニア）",
        note="新しいチームでもキャリアのすり合わせを続ける。",
    )


def seed(organization: Organization, *, today: dt.date | None = None) -> None:
    """Add the two demo stories to `organization` (inside its scope); does nothing for a story already there.
    `today` (the seeding day) is not read: this story goes through services that check the real clock (a 1on1 is
    not held after today, a signature is stamped now), so its dates count from the real local date."""
    with transaction.atomic():
        _completed_then_next(organization)
    with transaction.atomic():
        _ended_early_then_moved(organization)
