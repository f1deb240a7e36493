"""STEP 3 writes on a version's content: the draft's clauses and KPIs, amendments, discarding a draft.

Every path that creates or changes KPIs goes through `_write_kpis`, which applies the KPI rules
(agreements.rules.validate_kpis) before it writes: editing a draft, starting an amendment, and whatever amends
a version later (a checkpoint) by calling `agreement_amend(kpis=...)`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from agreements import access, rules, selectors
from agreements.capabilities import EDIT_AGREEMENT_TEMPLATE
from agreements.models import (
    CLAUSE_FIELDS,
    KPI_FIELDS,
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    Kpi,
    Tour,
    VersionStatus,
)
from agreements.services.common import locked_editable_version
from alliance.audit import audit_log, diff
from alliance.models import Membership
from alliance.permissions import membership_has


def _write_kpis(version: AgreementVersion, rows: list[dict]) -> None:
    """Replace the KPIs of the draft `version` by `rows` (dicts of KPI_FIELDS, in order), after the KPI rules
    passed; raises ValidationError keyed by rules.kpi_error_key otherwise, and writes nothing."""
    # An amendment's KPIs fall within the period it proposes, not the one it replaces.
    rows = rules.validate_kpis(rows, tour=selectors.proposed_tour(version))
    Kpi.objects.filter(version=version).delete()
    Kpi.objects.bulk_create(
        Kpi(organization=version.organization, version=version, position=index, **row) for index, row in enumerate(rows)
    )


@transaction.atomic
def agreement_update_draft(*, version: AgreementVersion, actor: Membership, clauses: dict, kpis: list[dict]) -> None:
    """Replace a draft version's clauses and KPIs; frozen or signed versions refuse with a clear message.

    `clauses` maps CLAUSE_FIELDS to text (missing ones are kept); `kpis` is the new list of KPIs, each a dict
    of KPI_FIELDS (missing optional ones take the model's default). Raises PermissionDenied for someone who
    may not edit the agreement, StateConflict for a version that is not a draft, and ValidationError when a
    KPI breaks a rule (agreements.rules.validate_kpis: keys name the row and the field)."""
    version = locked_editable_version(version, actor)
    for field in CLAUSE_FIELDS:
        if field in clauses:
            setattr(version, field, clauses[field])
    version.save()
    _write_kpis(version, kpis)
    audit_log("agreement.edit", obj=version, actor=actor, changes={**diff(version), "kpis": [None, len(kpis)]})


@transaction.atomic
def version_discard(*, version: AgreementVersion, actor: Membership) -> AgreementVersion:
    """Give up a draft amendment: kept, marked discarded; the signed version before it stays the current one.
    A first version is discarded with its tour (`tour_discard`)."""
    version = locked_editable_version(version, actor, conflict=rules.version_discard_conflict)
    version.status = VersionStatus.DISCARDED
    version.discarded_at = timezone.now()
    version.save(update_fields=["status", "discarded_at"])
    audit_log("agreement.discard", obj=version, actor=actor, changes=diff(version, ["status", "discarded_at"]))
    return version


@transaction.atomic
def agreement_amend(
    *,
    agreement: Agreement,
    actor: Membership,
    kpis: list[dict] | None = None,
    goal: str | None = None,
    end_date=None,
    reason: str | None = None,
    checkpoint_id: int | None = None,
) -> AgreementVersion:
    """Start a new draft version from the latest signed one; the signed one stays readable as it was.

    The draft copies the signed version's clauses and, unless `kpis` (dicts of KPI_FIELDS) gives new ones,
    its KPIs; either way the KPI rules apply within the proposed period (ValidationError keyed by row and
    field). `goal` and `end_date` (a date, the new last day; the start stays) propose tour changes, None or
    the current value meaning unchanged; they are stored on the draft and applied to the Tour only when it is
    signed. `reason` (None: not asked, as on the agreement page's first flow; a string must not be blank) and
    `checkpoint_id` (the checkpoint it was proposed from, checked by the caller) are recorded on the draft.
    Raises PermissionDenied for someone who may not edit the agreement, StateConflict when the latest version
    is not signed (rules.amend_conflict, e.g. another amendment pending), ValidationError keyed by `goal`,
    `end_date`, `reason` (rules.validate_amendment_proposal)."""
    if not access.can_edit_agreement(actor, agreement):
        raise PermissionDenied
    versions = AgreementVersion.objects.select_for_update().filter(agreement=agreement).order_by("-number")
    last_number = versions.first().number
    latest = versions.exclude(status=VersionStatus.DISCARDED).first() or versions.first()
    conflict = rules.amend_conflict(latest)
    if conflict is not None:
        raise conflict
    tour = Tour.objects.for_organization(agreement.organization_id).get(pk=agreement.tour_id)
    rules.validate_amendment_proposal(tour=tour, goal=goal, end_date=end_date, reason=reason)
    draft = AgreementVersion.objects.create(
        organization=agreement.organization,
        agreement=agreement,
        # Numbers are never reused: a discarded amendment keeps its number.
        number=last_number + 1,
        is_amendment=True,
        proposed_goal=goal.strip() if goal is not None and goal.strip() != tour.goal.strip() else "",
        proposed_end_date=end_date if end_date is not None and end_date != tour.end_date else None,
        amendment_reason=(reason or "").strip(),
        amendment_checkpoint_id=checkpoint_id,
        **{field: getattr(latest, field) for field in CLAUSE_FIELDS},
    )
    if kpis is None:
        kpis = [{field: getattr(k, field) for field in KPI_FIELDS} for k in latest.kpis.order_by("position", "id")]
    _write_kpis(draft, kpis)
    audit_log(
        "agreement.amend",
        obj=draft,
        actor=actor,
        label=f"{agreement} v{draft.number}",
        changes=diff(draft, ["proposed_goal", "proposed_end_date", "amendment_reason", "amendment_checkpoint_id"]),
    )
    return draft


@transaction.atomic
def agreement_template_update(*, actor: Membership, clauses: dict) -> AgreementTemplate:
    """Save the default clauses of `actor`'s organization, which every new agreement starts from (signed and
    draft versions keep theirs). `clauses` maps CLAUSE_FIELDS to text; missing ones are kept. Raises
    PermissionDenied for a member without EDIT_AGREEMENT_TEMPLATE."""
    if not membership_has(actor, EDIT_AGREEMENT_TEMPLATE):
        raise PermissionDenied
    organization = actor.organization
    template = AgreementTemplate.objects.for_organization(organization).select_for_update().first()
    if template is None:
        template = AgreementTemplate(organization=organization)
    for field in CLAUSE_FIELDS:
        if field in clauses:
            setattr(template, field, clauses[field])
    template.save()
    audit_log("agreement_template.update", obj=template, actor=actor, changes=diff(template, CLAUSE_FIELDS))
    return template


@transaction.atomic
def agreement_pdf_read(*, version: AgreementVersion, reader: Membership) -> bool:
    """Record that `reader` opened (or downloaded) the sealed PDF of signed `version` when it is someone else's
    agreement: a manager or HR reading a person's signed agreement leaves an `agreement.pdf_read` row about that
    person. The employee's reading of their own agreement writes nothing (it is theirs, and nobody else's data).
    Returns whether a row was written."""
    if version.agreement.tour.employee_id == reader.pk:
        return False
    audit_log("agreement.pdf_read", obj=version, actor=reader)
    return True
