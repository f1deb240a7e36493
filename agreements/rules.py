"""The rules of STEP 1-3 that decide whether a write may happen: reads that raise or return why not.

Two kinds, both called by the services before they write (agreements.services), and by the views that want to
explain a refusal before a form is even shown:

- state rules (`*_conflict`): the record's state, not the person's role, refuses the action. Each returns a
  `StateConflict` (or None) naming the blocking state and the next step; the service raises it, a view shows it
  as a 409 page. They live here rather than in the services because the views ask them too (to answer a GET
  with the 409 page) and they write nothing.
- content rules (`validate_*`, `check_*`): what a record must say to be saved (a tour's period, an alignment's
  far goal or directions, a version's KPIs). They raise ValidationError keyed by field, so pages show each
  message beside its input.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agreements import selectors
from agreements.models import (
    CORE_VALUES_MAX_COUNT,
    DRIFT_DIRECTIONS_MAX_COUNT,
    KPI_FIELDS,
    KPI_MAX_COUNT,
    TOUR_MAX_MONTHS,
    TOUR_MIN_MONTHS,
    Agreement,
    AgreementVersion,
    CareerAlignment,
    Kpi,
    KpiDirection,
    Tour,
    TourStatus,
    VersionStatus,
)
from alliance.conflicts import StateConflict
from alliance.periods import period_end


def validate_alignment(alignment: CareerAlignment) -> None:
    """A far goal in words, or career drift: directions with short-term goals. One of the two is needed.

    The lists hold at most CORE_VALUES_MAX_COUNT core values and DRIFT_DIRECTIONS_MAX_COUNT directions (the rows
    the editor offers), counting non-empty rows. Raises ValidationError keyed by field (`core_values`,
    `drift_directions`, `ideal_self`), every broken rule at once."""
    errors: dict[str, list[str]] = {}
    if len(alignment.core_values) > CORE_VALUES_MAX_COUNT:
        errors.setdefault("core_values", []).append(
            _("Keep to %(n)d core values at most: remove %(extra)d.")
            % {"n": CORE_VALUES_MAX_COUNT, "extra": len(alignment.core_values) - CORE_VALUES_MAX_COUNT}
        )
    if len(alignment.drift_directions) > DRIFT_DIRECTIONS_MAX_COUNT:
        errors.setdefault("drift_directions", []).append(
            _("Keep to %(n)d directions at most: remove %(extra)d.")
            % {"n": DRIFT_DIRECTIONS_MAX_COUNT, "extra": len(alignment.drift_directions) - DRIFT_DIRECTIONS_MAX_COUNT}
        )
    if alignment.uses_career_drift:
        if not any(d.get("direction") for d in alignment.drift_directions):
            errors.setdefault("drift_directions", []).append(
                _("Career drift needs at least one direction with short-term goals.")
            )
    elif not alignment.ideal_self.strip():
        errors.setdefault("ideal_self", []).append(
            _("Describe the ideal self, or choose career drift if no far goal exists yet.")
        )
    if errors:
        raise ValidationError(errors)


def alignment_confirmed_conflict(alignment: CareerAlignment) -> StateConflict:
    """Editing an alignment the employee confirmed: it is kept as it was; a new 1on1 record is the next step."""
    return StateConflict(
        _("This career alignment was confirmed by the employee and is kept as it was."),
        next_step=_("Record a new 1on1 instead: it starts from what this one says."),
        next_url_name="agreements:alignment_new",
        next_label=_("Record a new 1on1"),
    )


def validate_tour(tour: Tour) -> None:
    """The period lasts TOUR_MIN_MONTHS to TOUR_MAX_MONTHS months, counted as the Civil Code says (art. 143)."""
    errors = {}
    if tour.start_date and tour.end_date:
        if tour.end_date <= tour.start_date:
            errors["end_date"] = _("The end must come after the start.")
        elif tour.end_date < period_end(tour.start_date, TOUR_MIN_MONTHS):
            errors["end_date"] = _("A commitment period lasts at least %(n)s months (until %(date)s or later).") % {
                "n": TOUR_MIN_MONTHS,
                "date": date_format(period_end(tour.start_date, TOUR_MIN_MONTHS), "DATE_FORMAT"),
            }
        elif tour.end_date > period_end(tour.start_date, TOUR_MAX_MONTHS):
            errors["end_date"] = _("A commitment period lasts at most %(n)s months (until %(date)s at the latest).") % {
                "n": TOUR_MAX_MONTHS,
                "date": date_format(period_end(tour.start_date, TOUR_MAX_MONTHS), "DATE_FORMAT"),
            }
    if errors:
        raise ValidationError(errors)


# The reason of an amendment, in characters: it is frozen into the signed snapshot and printed on the PDF.
AMENDMENT_REASON_MAX = 2000


def validate_amendment_proposal(*, tour: Tour, goal: str | None, end_date, reason: str | None) -> None:
    """The tour changes an amendment proposes: `goal` (None: unchanged; else a non-blank text), `end_date` (None:
    unchanged; else the new last day, inclusive: the start never moves, and the period keeps validate_tour's
    TOUR_MIN_MONTHS..TOUR_MAX_MONTHS), and `reason` (None for an amendment started without one, from the
    agreement page's earlier flow; else a non-blank text of at most AMENDMENT_REASON_MAX characters). `tour` is
    the tour as it is now. Raises ValidationError keyed by `goal`, `end_date`, `reason`, every broken rule at
    once. Source: issue 9, Amendment."""
    errors: dict[str, list[str]] = {}
    if reason is not None and not reason.strip():
        errors["reason"] = [_("Say why the agreement should change: the other side reads it before signing again.")]
    elif reason is not None and len(reason.strip()) > AMENDMENT_REASON_MAX:
        errors["reason"] = [
            _("Keep it to %(max)d characters (this one has %(n)d).")
            % {"max": AMENDMENT_REASON_MAX, "n": len(reason.strip())}
        ]
    if goal is not None and not goal.strip():
        errors["goal"] = [_("Write the commitment goal; keep the current wording if it does not change.")]
    if end_date is not None:
        probe = Tour(start_date=tour.start_date, end_date=end_date)
        try:
            validate_tour(probe)
        except ValidationError as error:
            errors.setdefault("end_date", []).extend(error.message_dict.get("end_date", []))
    if errors:
        raise ValidationError(errors)


def check_no_concurrent_tour(tour: Tour) -> None:
    """Raise ValidationError (on `start_date`) when the tour's period overlaps another active tour of the same
    person, unless HR allowed this tour to run beside another (`allow_concurrent`). Dates are inclusive."""
    if tour.allow_concurrent:
        return
    other = selectors.overlapping_tours(tour, statuses=[TourStatus.ACTIVE]).first()
    if other is not None:
        raise ValidationError(
            {
                "start_date": _(
                    "%(name)s already has an active tour in this period (%(title)s). End it first, "
                    "or ask HR to allow two tours at once."
                )
                % {"name": tour.employee.user.display_name, "title": other.title}
            }
        )


def tour_edit_conflict(tour: Tour) -> StateConflict | None:
    """The state that keeps `tour` from being edited or discarded, as a StateConflict, or None while it is a
    draft whose agreement has no version frozen for signatures."""
    agreement_pk = Agreement.objects.filter(tour=tour).values_list("pk", flat=True).first()
    if tour.status == TourStatus.DISCARDED:
        return StateConflict(
            _("This tour of duty was discarded. It is kept for the record and can no longer be changed."),
            next_step=_("Set a new tour of duty from the career alignment instead."),
            next_url_name="agreements:tour_new",
            next_url_args=(tour.alignment_id,),
            next_label=_("Set a new tour of duty"),
        )
    if tour.status != TourStatus.DRAFT:
        return StateConflict(
            _("This tour of duty is %(status)s and can no longer be edited.") % {"status": tour.get_status_display()},
            next_step=_(
                "To change its goal, period or KPIs, start an amendment of its agreement: both sides sign again."
            ),
            next_url_name="agreements:amend",
            next_url_args=(agreement_pk,),
            next_label=_("Start an amendment"),
        )
    pending = (
        AgreementVersion.objects.filter(agreement__tour=tour, status=VersionStatus.PENDING)
        .values_list("number", flat=True)
        .first()
    )
    if pending is not None:
        return StateConflict(
            _("Signatures were requested for this tour's agreement, which froze its goal and period."),
            next_step=_("Withdraw the request for signatures first; the tour can then be edited again."),
            next_url_name="agreements:withdraw",
            next_url_args=(agreement_pk, pending),
            next_label=_("Withdraw the request"),
        )
    return None


def version_edit_conflict(version: AgreementVersion) -> StateConflict | None:
    """The state that keeps a version from being edited, asked to be signed or discarded, or None for a draft."""
    args = (version.agreement_id, version.number)
    if version.status == VersionStatus.SIGNED:
        return StateConflict(
            _("Version %(n)s is signed and can never change.") % {"n": version.number},
            next_step=_("To change the goal, period or KPIs, start an amendment: a new version both sides sign again."),
            next_url_name="agreements:amend",
            next_url_args=(version.agreement_id,),
            next_label=_("Start an amendment"),
        )
    if version.status == VersionStatus.PENDING:
        return StateConflict(
            _("Version %(n)s is waiting for signatures and is frozen.") % {"n": version.number},
            next_step=_("Withdraw the request for signatures first; the version is then a draft again."),
            next_url_name="agreements:withdraw",
            next_url_args=args,
            next_label=_("Withdraw the request"),
        )
    if version.status == VersionStatus.DISCARDED:
        return StateConflict(
            _("Version %(n)s was discarded. It is kept for the record and can no longer be changed.")
            % {"n": version.number},
            next_step=_("Open the agreement to see its current version."),
            next_url_name="agreements:agreement",
            next_url_args=(version.agreement_id,),
            next_label=_("Open the agreement"),
        )
    return None


def version_discard_conflict(version: AgreementVersion) -> StateConflict | None:
    """Why `version` cannot be discarded on its own (not a draft, or the first version: discard the tour)."""
    conflict = version_edit_conflict(version)
    if conflict is not None:
        return conflict
    if not version.is_amendment:
        return StateConflict(
            _("This is the first version of the agreement: it is discarded together with its tour of duty."),
            next_step=_("Discard the tour of duty instead."),
            next_url_name="agreements:tour_discard",
            next_url_args=(version.agreement.tour_id,),
            next_label=_("Discard the tour of duty"),
        )
    return None


def not_pending_conflict(version: AgreementVersion) -> StateConflict:
    """Signing, declining or withdrawing a version that is not waiting for signatures."""
    args = (version.agreement_id, version.number)
    if version.status == VersionStatus.SIGNED:
        return StateConflict(
            _("Version %(n)s is already signed by everyone; there is nothing left to sign or decline.")
            % {"n": version.number},
            next_step=_("Open the signed version; to change it, start an amendment."),
            next_url_name="agreements:version",
            next_url_args=args,
            next_label=_("Open the signed version"),
        )
    if version.status == VersionStatus.DISCARDED:
        return version_edit_conflict(version)
    return StateConflict(
        _("Version %(n)s is a draft: signatures are not requested for it (or the request was withdrawn or declined).")
        % {"n": version.number},
        next_step=_("Whoever writes the agreement requests signatures when the draft is ready."),
        next_url_name="agreements:version",
        next_url_args=args,
        next_label=_("Open the draft"),
    )


def signing_conflict(version: AgreementVersion) -> StateConflict | None:
    """None while `version` waits for signatures; otherwise why it cannot be signed, declined or withdrawn
    (`not_pending_conflict`)."""
    return None if version.status == VersionStatus.PENDING else not_pending_conflict(version)


ENDED_TOUR_STATUSES = (TourStatus.COMPLETED, TourStatus.ENDED_EARLY)


def ended_tour_conflict(tour: Tour) -> StateConflict | None:
    """Why the agreement of `tour` can no longer be amended (started, sent for signatures or signed): the tour
    is completed or ended early (issue 9: an ended tour's period and goal stay as they ended). None otherwise."""
    if tour.status not in ENDED_TOUR_STATUSES:
        return None
    return StateConflict(
        _("This tour of duty is %(status)s: its agreement can no longer be amended.")
        % {"status": tour.get_status_display()},
        next_step=_("Open the tour of duty to see what followed."),
        next_url_name="agreements:tour",
        next_url_args=(tour.pk,),
        next_label=_("Open the tour of duty"),
    )


def amend_conflict(latest: AgreementVersion | None) -> StateConflict | None:
    """Why no amendment can start now (the latest version is not signed, or its tour has ended), or None.

    `latest` is the agreement's current version (selectors.current_version): the latest one not discarded,
    or a discarded one when every version was discarded with its tour, which says so and points to a new tour
    rather than to a draft that can no longer be edited."""
    if latest is None or latest.status == VersionStatus.DISCARDED:
        link = {}
        if latest is not None:
            link = {
                "next_url_name": "agreements:tour_new",
                "next_url_args": (latest.agreement.tour.alignment_id,),
                "next_label": _("Set a new tour of duty"),
            }
        return StateConflict(
            _("Every version of this agreement was discarded with its tour of duty."),
            next_step=_("Set a new tour of duty from the career alignment instead."),
            **link,
        )
    if latest.status == VersionStatus.SIGNED:
        # A completed or ended tour is closed for amendments whichever page starts one (the checkpoint page asks
        # checkpoints.rules.amendment_conflict too): signing one would move an ended tour's period.
        tour = (
            Tour.objects.for_organization(latest.organization_id)
            .filter(agreement__pk=latest.agreement_id)
            .only("pk", "status")
            .first()
        )
        return ended_tour_conflict(tour) if tour is not None else None
    if latest.status == VersionStatus.PENDING:
        return StateConflict(
            _("Version %(n)s is waiting for signatures; an amendment starts only from a signed version.")
            % {"n": latest.number},
            next_step=_("Sign or decline it, or withdraw the request and edit the draft."),
            next_url_name="agreements:version",
            next_url_args=(latest.agreement_id, latest.number),
            next_label=_("Open the agreement"),
        )
    return StateConflict(
        _("Version %(n)s is still a draft; an amendment starts only from a signed version.") % {"n": latest.number},
        next_step=_("Edit the draft instead."),
        next_url_name="agreements:version_edit",
        next_url_args=(latest.agreement_id, latest.number),
        next_label=_("Edit the draft"),
    )


# --- the KPIs of a version -----------------------------------------------------------------------------------

KPIS = "kpis"


def kpi_error_key(index: int, field: str) -> str:
    """The ValidationError key of `field` (one of KPI_FIELDS) of the KPI at `index` (0-based, in the order the
    rows were given): "kpis.<index>.<field>". Errors about the KPIs as a whole use the key `KPIS`.
    alliance.tenancy.apply_formset_errors puts each beside its input."""
    return f"{KPIS}.{index}.{field}"


def validate_kpis(rows: list[dict], *, tour: Tour) -> list[dict]:
    """Check a version's KPIs against the rules of the commitment plan and return them as complete rows.

    `rows` are dicts of KPI_FIELDS (values as the model holds them: Decimal, date, int; a missing optional
    field takes the model's default). The rules, all checked before anything is raised:
    - each field is what the model stores (a name, a target and a due date are required; lengths, digits);
    - a weight is a percentage, 0 to 100, and the weights add up to 100 when there is any KPI;
    - the due date lies within the tour's commitment period, both ends included;
    - the target improves on the baseline in the KPI's direction (above it when higher is better, below it
      when lower is better), when a baseline is given;
    - there are at most KPI_MAX_COUNT of them (the rows the editor offers).
    Raises ValidationError keyed by `kpi_error_key(index, field)`, and `KPIS` for the weights' total; the
    messages are translated, and say what to do. Source: the commitment plan of STEP 3 (DESIGN.md)."""
    errors: dict[str, list] = {}

    def add(index, field, message):
        errors.setdefault(kpi_error_key(index, field), []).append(message)

    complete = []
    for index, given in enumerate(rows):
        row = {field: given[field] for field in KPI_FIELDS if field in given}
        kpi = Kpi(**row)
        try:
            kpi.clean_fields(exclude=["organization", "version", "position"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    add(index, field, message)
        row = {field: getattr(kpi, field) for field in KPI_FIELDS}
        complete.append(row)
        weight, due = row["weight"], row["due_date"]
        if isinstance(weight, int) and not 0 <= weight <= 100:
            add(index, "weight", _("A weight is a percentage from 0 to 100."))
        if due and tour.start_date and tour.end_date and not (tour.start_date <= due <= tour.end_date):
            add(index, "due_date", _("Choose a date within the commitment period."))
        baseline, target, direction = row["baseline"], row["target"], row["direction"]
        if baseline is not None and target is not None:
            if direction == KpiDirection.HIGHER and target <= baseline:
                add(index, "target", _("Higher is better: the target must be above the baseline."))
            if direction == KpiDirection.LOWER and target >= baseline:
                add(index, "target", _("Lower is better: the target must be below the baseline."))
    weights = [row["weight"] for row in complete if isinstance(row["weight"], int)]
    if complete and sum(weights) != 100:
        errors[KPIS] = [
            _("The KPI weights add up to %(total)s%%; make them add up to 100%%.") % {"total": sum(weights)}
        ]
    if len(complete) > KPI_MAX_COUNT:
        errors.setdefault(KPIS, []).append(
            _("A commitment plan has at most %(n)s KPIs; remove %(extra)s.")
            % {"n": KPI_MAX_COUNT, "extra": len(complete) - KPI_MAX_COUNT}
        )
    if errors:
        raise ValidationError(errors)
    return complete


def kpi_messages(error: ValidationError, rows: list[dict]) -> list[str]:
    """The messages of a `validate_kpis` error for a page that shows no KPI inputs (requesting signatures): each
    row's message names its KPI (`rows[index]["name"]`), the messages about the KPIs as a whole stay as they are."""
    messages = []
    for key, texts in error.message_dict.items():
        _prefix, _dot, rest = key.partition(".")
        index = rest.partition(".")[0]
        name = rows[int(index)].get("name") if index.isdigit() and int(index) < len(rows) else None
        for text in texts:
            messages.append(_("KPI “%(name)s”: %(message)s") % {"name": name, "message": text} if name else text)
    return messages
