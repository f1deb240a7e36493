"""The bench seed's STEP 1-3 rows (alliance.bench_seed, `manage.py seed_bench`): career alignments, tours,
agreements with their versions, KPIs, signatures, signing records, the shared sealed PDF and the audit rows of
the signatures.

Every version that is signed is honest: its snapshot is what `agreements.snapshot.build_snapshot` freezes for it
(tests/alliance/test_seed_bench.py rebuilds it), its `content_hash` the snapshot's SHA-256 that `/verify/`
finds, its signatures carry that hash, and it becomes `signed` by an UPDATE after its KPIs and signatures are
written, as signing does (the database refuses children of a signed version). One deviation, for speed: ONE
PDF is rendered and sealed by the app's own code (`documents.store_signed_pdf`, the version of `employee@` in
the first bench organization) and every other signed version's `AgreementPdf` points at that same stored file.
Its `sha256` column (unique) is the file's digest only on the version it was rendered for, which `/verify/`
of the file names; the others hold `sha256("bench-shared:<digest>:<version id>")`, so an upload of the file
never names a version whose content it does not print.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from agreements.documents import store_signed_pdf
from agreements.models import (
    CLAUSE_FIELDS,
    Agreement,
    AgreementPdf,
    AgreementTemplate,
    AgreementVersion,
    AlignmentStatus,
    CareerAlignment,
    EventKind,
    Kpi,
    KpiDirection,
    Signature,
    SignerRole,
    SigningEvent,
    Tour,
    TourKind,
    TourStatus,
    VersionStatus,
)
from agreements.snapshot import SCHEMA, kpi_json, snapshot_hash
from alliance.bench_seed import BenchContext, Person
from alliance.core_models import AuditEntry
from alliance.models import MembershipStatus, Role
from alliance.periods import period_end
from alliance.tenancy import organization_scope

CLAUSES = {
    "company_offers": "挑戦的な役割、学びの機会、率直なフィードバック。",
    "company_asks": "合意した目標への献身と、進捗の率直な共有。",
    "employee_offers": "目標達成への責任と、チームへの知見の共有。",
    "employee_asks": "成長につながる仕事と、定期的な対話。",
    "alumni_clause": "退職後もアルムナイとして関係を続け、紹介や協業を歓迎する。",
}
TITLES = [
    "決済基盤の刷新",
    "新規顧客の開拓",
    "採用プロセスの改善",
    "データ基盤の整備",
    "海外展開の準備",
    "品質保証の強化",
]
KPI_POOL = [
    ("決済成功率", "%", Decimal("95.00"), Decimal("99.00"), KpiDirection.HIGHER),
    ("障害対応時間", "分", Decimal("120.00"), Decimal("60.00"), KpiDirection.LOWER),
    ("新規契約数", "件", Decimal("10.00"), Decimal("30.00"), KpiDirection.HIGHER),
    ("顧客満足度", "点", Decimal("3.50"), Decimal("4.50"), KpiDirection.HIGHER),
    ("リードタイム", "日", Decimal("20.00"), Decimal("10.00"), KpiDirection.LOWER),
]
WEIGHTS = {2: (50, 50), 3: (40, 30, 30)}
SIGNER_IP = "192.0.2.10"
SIGNER_AGENT = "seed_bench"


@dataclass
class TourPlan:
    """One bench tour as the later parts need it. `kind`: active, previous (completed, followed by the active
    one), left_completed / left_early (an alumnus's last tour), pending (waiting for signatures), draft."""

    id: int
    person: Person
    kind: str
    start: date
    end: date
    status: str
    manager_id: int | None
    version_id: int
    signed: bool
    kpis: list[tuple[int, Decimal | None, Decimal, str]] = field(default_factory=list)
    next_id: int | None = None


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _persona_start(today: date) -> date:
    """A start whose second checkpoint (6 months, interval 3) falls due today: `employee@` has one held
    checkpoint and one due."""
    for days in range(170, 200):
        start = today - timedelta(days=days)
        if period_end(start, 6) == today:
            return start
    return today - timedelta(days=182)


def _tour_kinds(ctx: BenchContext, person: Person) -> list[tuple[str, date, date]]:
    """(kind, start, end) of the tours of `person`, oldest first."""
    rng, today = ctx.rng, ctx.today
    if person.status == MembershipStatus.ALUMNI:
        left = person.left_on
        if rng.random() < 0.5 and person.persona != "alumnus" or person.persona == "alumnus":
            end = left - timedelta(days=rng.randint(0, 60))
            return [("left_completed", end - timedelta(days=rng.choice((364, 545))), end)]
        start = left - timedelta(days=rng.randint(120, 500))
        return [("left_early", start, max(period_end(start, 24), left + timedelta(days=30)))]
    if person.persona == "employee":
        start = _persona_start(today)
        return [("active", start, period_end(start, 24))]
    draw = rng.random()
    if not person.persona and draw < 0.04:
        start = today + timedelta(days=rng.randint(7, 40))
        return [("draft", start, period_end(start, 12))]
    if not person.persona and draw < 0.07:
        start = today + timedelta(days=rng.randint(7, 40))
        return [("pending", start, period_end(start, 12))]
    start = today - timedelta(days=rng.randint(10, 600))
    tours = [("active", start, period_end(start, rng.choice((24, 36))))]
    if rng.random() < 0.35:
        end = start - timedelta(days=1)
        tours.insert(0, ("previous", end - timedelta(days=364), end))
    return tours


STATUS = {
    "active": TourStatus.ACTIVE,
    "previous": TourStatus.COMPLETED,
    "left_completed": TourStatus.COMPLETED,
    "left_early": TourStatus.ENDED_EARLY,
    "pending": TourStatus.DRAFT,
    "draft": TourStatus.DRAFT,
}


def seed(ctx: BenchContext) -> None:
    """Write the alignments, tours and agreements of every bench membership except HR's; leave the tours in
    `ctx.shared["tours"]` (TourPlan) for checkpoints and alumni."""
    rng = ctx.rng
    templates = ctx.table(AgreementTemplate)
    alignments = ctx.table(CareerAlignment)
    tours_t = ctx.table(Tour)
    agreements = ctx.table(Agreement)
    versions = ctx.table(AgreementVersion)
    kpis_t = ctx.table(Kpi)
    signatures = ctx.table(Signature)
    events = ctx.table(SigningEvent)
    audit = ctx.table(AuditEntry)
    version_type = ContentType.objects.get_for_model(AgreementVersion).pk
    plans: list[TourPlan] = []
    signed_ids: list[int] = []
    people = [p for org in ctx.orgs for p in org.people]
    org_seen: set[int] = set()
    for person in ctx.each("alignments, tours, agreements", people, len(people)):
        org = person.org
        if org.id not in org_seen:
            org_seen.add(org.id)
            templates.add(id=ctx.next_id(AgreementTemplate), organization_id=org.id, **CLAUSES)
        if person.role == Role.HR:
            continue
        manager_id = person.manager_id if person.status == MembershipStatus.ACTIVE else person.former_manager_id
        if manager_id is None:
            continue
        manager = ctx.people[manager_id]
        previous_id = None
        for kind, start, end in _tour_kinds(ctx, person):
            held_on = start - timedelta(days=rng.randint(14, 45))
            alignment_id = ctx.next_id(CareerAlignment)
            alignments.add(
                id=alignment_id,
                organization_id=org.id,
                employee_id=person.id,
                manager_id=manager_id,
                held_on=held_on,
                core_values=[{"value": "挑戦", "why": "新しいことに取り組むと力が出る。"}],
                ideal_self="顧客に信頼されるプロダクトを自分の手で育てられる人。",
                time_horizon=rng.choice(("1y", "3y", "5y")),
                status=AlignmentStatus.CONFIRMED,
                confirmed_at=_at(held_on, 17),
                shared_with_hr=rng.random() < 0.3,
                created_by_id=manager.user_id,
                created_at=_at(held_on),
                updated_at=_at(held_on, 17),
            )
            tour = TourPlan(
                id=ctx.next_id(Tour),
                person=person,
                kind=kind,
                start=start,
                end=end,
                status=STATUS[kind],
                manager_id=manager_id,
                version_id=ctx.next_id(AgreementVersion),
                signed=kind not in ("pending", "draft"),
            )
            title = rng.choice(TITLES)
            tour_kind = rng.choice(TourKind.values)
            goal = f"{title}を{(end.year - start.year) or 1}年でやり遂げる。"
            toward = "事業と技術の両面で判断できる力を身につける。"
            value = "事業の成長を支える基盤をつくる。"
            tours_t.add(
                id=tour.id,
                organization_id=org.id,
                employee_id=person.id,
                alignment_id=alignment_id,
                previous_id=previous_id,
                title=title,
                kind=tour_kind,
                goal=goal,
                toward_ideal_self=toward,
                value_to_company=value,
                start_date=start,
                end_date=end,
                status=tour.status,
                created_by_id=manager.user_id,
                created_at=_at(held_on, 18),
            )
            if previous_id is not None:
                plans[-1].next_id = tour.id
            previous_id = tour.id
            agreement_id = ctx.next_id(Agreement)
            agreements.add(id=agreement_id, organization_id=org.id, tour_id=tour.id, created_at=_at(held_on, 18))
            requested = _at(min(start - timedelta(days=3), ctx.today - timedelta(days=1)), 11)
            signed_at = requested + timedelta(days=1) if tour.signed else None
            chosen = rng.sample(KPI_POOL, rng.choice((2, 3)))
            kpi_rows = []
            for position, ((name, unit, baseline, target, direction), weight) in enumerate(
                zip(chosen, WEIGHTS[len(chosen)], strict=True)
            ):
                kpi = Kpi(
                    name=name,
                    definition=f"{name}の月次実績。",
                    unit=unit,
                    baseline=baseline,
                    target=target,
                    direction=direction,
                    due_date=end,
                    weight=weight,
                )
                kpi_id = ctx.next_id(Kpi)
                kpi_rows.append(kpi_json(kpi))
                tour.kpis.append((kpi_id, baseline, target, direction))
                kpis_t.add(
                    id=kpi_id,
                    organization_id=org.id,
                    version_id=tour.version_id,
                    position=position,
                    **{f: getattr(kpi, f) for f in ("name", "definition", "unit", "baseline", "target")},
                    direction=direction,
                    due_date=end,
                    weight=weight,
                )
            snapshot, content_hash = None, ""
            if kind != "draft":
                snapshot = {
                    "schema": SCHEMA,
                    "amendment": None,
                    "service": "alliance",
                    "organization": {"slug": org.slug, "name": org.name, "values": [list(v) for v in org.values]},
                    "agreement": {"id": agreement_id, "version": 1, "amendment": False},
                    "requested_at": requested.astimezone(UTC).isoformat(),  # as timezone.now() gives it
                    "employee": {"membership": person.id, "name": person.name, "email": person.email},
                    "manager": {"membership": manager.id, "name": manager.name, "email": manager.email},
                    "hr_countersign": False,
                    "tour": {
                        "title": title,
                        "kind": tour_kind,
                        "goal": goal,
                        "toward_ideal_self": toward,
                        "value_to_company": value,
                        "start_date": start.isoformat(),
                        "end_date": end.isoformat(),
                    },
                    "clauses": {f: CLAUSES[f] for f in CLAUSE_FIELDS},
                    "kpis": kpi_rows,
                }
                content_hash = snapshot_hash(snapshot)
            # Written as waiting for signatures: the UPDATE below signs it once its KPIs and signatures exist.
            versions.add(
                id=tour.version_id,
                organization_id=org.id,
                agreement_id=agreement_id,
                number=1,
                status=VersionStatus.DRAFT if kind == "draft" else VersionStatus.PENDING,
                snapshot=snapshot,
                content_hash=content_hash,
                requested_at=None if kind == "draft" else requested,
                signed_at=signed_at,
                manager_signer_id=None if kind == "draft" else manager.id,
                requires_hr=False,
                created_at=_at(held_on, 18),
                **CLAUSES,
            )
            if kind == "draft":
                plans.append(tour)
                continue
            events.add(
                id=ctx.next_id(SigningEvent),
                organization_id=org.id,
                version_id=tour.version_id,
                kind=EventKind.REQUESTED,
                actor_id=manager.id,
                role=manager.role,
                at=requested,
                ip_address=SIGNER_IP,
                user_agent=SIGNER_AGENT,
                content_hash=content_hash,
            )
            signers = [(person, SignerRole.EMPLOYEE)] + ([(manager, SignerRole.MANAGER)] if tour.signed else [])
            for offset, (signer, role) in enumerate(signers):
                at = requested + timedelta(hours=2 + offset)
                signatures.add(
                    id=ctx.next_id(Signature),
                    organization_id=org.id,
                    version_id=tour.version_id,
                    signer_id=signer.id,
                    role=role,
                    signed_at=at,
                    ip_address=SIGNER_IP,
                    user_agent=SIGNER_AGENT,
                    content_hash=content_hash,
                )
                events.add(
                    id=ctx.next_id(SigningEvent),
                    organization_id=org.id,
                    version_id=tour.version_id,
                    kind=EventKind.SIGNED,
                    actor_id=signer.id,
                    role=role,
                    at=at,
                    ip_address=SIGNER_IP,
                    user_agent=SIGNER_AGENT,
                    content_hash=content_hash,
                )
                audit.add(
                    id=ctx.next_id(AuditEntry),
                    organization_id=org.id,
                    at=at,
                    actor_user_id=signer.user_id,
                    actor_id=signer.id,
                    subject_id=person.id,
                    action="agreement.sign",
                    content_type_id=version_type,
                    object_id=str(tour.version_id),
                    object_label=f"{title} v1",
                    changes={"role": [None, role]},
                    ip_address=SIGNER_IP,
                    user_agent=SIGNER_AGENT,
                )
            if tour.signed:
                events.add(
                    id=ctx.next_id(SigningEvent),
                    organization_id=org.id,
                    version_id=tour.version_id,
                    kind=EventKind.COMPLETED,
                    at=signed_at,
                    content_hash=content_hash,
                )
                signed_ids.append(tour.version_id)
            plans.append(tour)
    ctx.writer.flush()
    _sign(ctx, signed_ids)
    _store_pdfs(ctx, plans)
    ctx.shared["tours"] = plans


def _sign(ctx: BenchContext, version_ids: list[int]) -> None:
    """Mark the versions signed now that their KPIs and signatures are written (the trigger refuses children of
    a signed version), in batches, as `agreements.services.signing._complete` does one by one."""
    ctx.progress.start("signing versions", len(version_ids))
    table = AgreementVersion._meta.db_table
    step = 10000
    with connection.cursor() as cursor:
        for i in range(0, len(version_ids), step):
            batch = version_ids[i : i + step]
            marks = ", ".join(["%s"] * len(batch))
            # The table name comes from the model's meta; the ids are parameters.
            cursor.execute(
                f"UPDATE \"{table}\" SET status = 'signed' WHERE id IN ({marks})",  # noqa: S608
                batch,
            )
            ctx.progress.advance(len(batch))
    ctx.progress.finish()


def _store_pdfs(ctx: BenchContext, plans: list[TourPlan]) -> None:
    """Render and seal one PDF with the app's own code, then point every other signed version at its file."""
    signed = [t for t in plans if t.signed]
    if not signed:
        return
    model = next((t for t in signed if t.person.persona == "employee"), signed[0])
    with organization_scope(model.person.org.id):
        pdf = store_signed_pdf(version_id=model.version_id)
    table = ctx.table(AgreementPdf)
    for tour in ctx.each("agreement PDFs (shared file)", signed, len(signed)):
        if tour.version_id == model.version_id:
            continue
        table.add(
            id=ctx.next_id(AgreementPdf),
            organization_id=tour.person.org.id,
            version_id=tour.version_id,
            file=pdf.file.name,
            sha256=hashlib.sha256(f"bench-shared:{pdf.sha256}:{tour.version_id}".encode()).hexdigest(),
            size=pdf.size,
            render_ms=0,
        )
    ctx.shared["pdf"] = pdf
