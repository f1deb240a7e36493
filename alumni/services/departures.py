"""Leaving well (辞め方改革): start, edit and cancel a departure, the exit conversation, and the last day.

Every write is one transaction and one audit row (`AUDIT_ACTIONS`). The words of the exit conversation never go
into the audit trail (HR reads it): its row names the answers that changed, redacted, and each consent's value.

The last day (`complete_due_departures`, run by the core notice scan through `alumni.notices_departures`): for a
planned departure whose last day has come, the departure and the membership are locked, the person's active tours
end through checkpoints (completed when the departure says the tour was completed, else ended early, with a reason
naming the departure; before the core's `member_left` would end them with its generic reason), every report moves
to the manager HR named (`reports_to`, a ManagerChange each), the membership becomes alumni with `left_on` the last
day (alliance.services.membership_update), and the departure is completed. Idempotent: a departure is completed
once, under its row lock; a second run finds nothing planned.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Tour, TourStatus
from alliance import notices
from alliance.audit import REDACTED, audit_log, diff
from alliance.conflicts import StateConflict
from alliance.models import ManagerChange, ManagerChangeReason, Membership, MembershipStatus, Role
from alliance.permissions import VIEW_REPORTS, roles_with
from alliance.services import membership_update
from alumni.models import ComebackInterest, Departure, DepartureKind, DepartureStatus
from alumni.models.departures import EXIT_ANSWER_FIELDS
from alumni.selectors import departures as selectors

logger = logging.getLogger(__name__)

AUDIT_ACTIONS = {
    "departure.start": gettext_lazy("Departure started"),
    "departure.update": gettext_lazy("Departure changed"),
    "departure.cancel": gettext_lazy("Departure cancelled"),
    "departure.conversation": gettext_lazy("Exit conversation updated"),
    "departure.complete": gettext_lazy("Departure completed: the person became an alumnus"),
}

ANSWER_MAX = 4000
DETAIL_FIELDS = ("last_day", "kind", "tour_completed", "personal_email")


# --- rules (StateConflict: the 409 page) -------------------------------------------------------------------------


def not_planned_conflict(departure: Departure) -> StateConflict | None:
    """A departure that is no longer planned (completed or cancelled) is read-only."""
    if departure.status == DepartureStatus.PLANNED:
        return None
    if departure.status == DepartureStatus.CANCELLED:
        message = _("This departure was cancelled: it can no longer be changed.")
    else:
        message = _("The last day has passed and the person has left: the departure can no longer be changed.")
    return StateConflict(
        message,
        next_step=_("Open the departure to read it."),
        next_url_name="alumni:departure",
        next_url_args=(departure.pk,),
        next_label=_("Open the departure"),
    )


def cancel_conflict(departure: Departure, today: date) -> StateConflict | None:
    """A departure may be cancelled while planned, until its last day (inclusive); after it, never."""
    conflict = not_planned_conflict(departure)
    if conflict is not None:
        return conflict
    if departure.last_day < today:
        return StateConflict(
            _("The last day has passed: the departure can no longer be cancelled."),
            next_step=_("If the person stays or comes back, HR invites them again."),
            next_url_name="alumni:departure",
            next_url_args=(departure.pk,),
            next_label=_("Open the departure"),
        )
    return None


# --- validation --------------------------------------------------------------------------------------------------


def _check_details(*, membership: Membership, data: dict, today: date, before: Departure | None = None) -> dict:
    """The cleaned details (last_day, kind, tour_completed, personal_email) or ValidationError by field. A last day
    is today or later (an unchanged one of an edit may have passed) and not before the person joined."""
    errors: dict[str, list] = {}
    last_day = data.get("last_day")
    if not isinstance(last_day, date):
        errors["last_day"] = [_("Enter the last working day, e.g. 2026-03-31.")]
    else:
        unchanged = before is not None and before.last_day == last_day
        if last_day < today and not unchanged:
            errors["last_day"] = [_("The last working day is today or later.")]
        elif membership.joined_on and last_day < membership.joined_on:
            errors["last_day"] = [
                _("The last working day cannot be before the person joined (%(day)s).")
                % {"day": date_format(membership.joined_on, "SHORT_DATE_FORMAT")}
            ]
    kind = data.get("kind", "")
    if kind not in DepartureKind.values:
        errors["kind"] = [_("Choose why the person leaves.")]
    email = (data.get("personal_email") or "").strip()
    if errors:
        raise ValidationError(errors)
    return {
        "last_day": last_day,
        "kind": kind,
        "tour_completed": bool(data.get("tour_completed")),
        "personal_email": email,
    }


def _check_reports_to(*, leaver: Membership, reports_to: Membership | None) -> Membership | None:
    """`reports_to` (who takes the leaver's reports): required when the leaver has reports; an active manager or
    HR of the organization, neither the leaver nor one of the leaver's direct reports. ValidationError otherwise."""
    has_reports = selectors.active_reports(leaver).exists()
    if reports_to is None:
        if has_reports:
            raise ValidationError(
                {"reports_to": [_("This person has reports: name the manager who takes them on the last day.")]}
            )
        return None
    valid = (
        reports_to.organization_id == leaver.organization_id
        and reports_to.status == MembershipStatus.ACTIVE
        and reports_to.role in roles_with(VIEW_REPORTS)
        and reports_to.pk != leaver.pk
        and reports_to.manager_id != leaver.pk
    )
    if not valid:
        raise ValidationError(
            {
                "reports_to": [
                    _(
                        "Choose an active manager or HR member who is neither the person leaving "
                        "nor one of their reports."
                    )
                ]
            }
        )
    return reports_to


# --- notices -----------------------------------------------------------------------------------------------------


STARTED = "departure-started"


def _notify_started(departure: Departure, *, starter: Membership) -> None:
    """Tell the person, their manager (the departure's) and every active HR member that `departure` was started,
    except `starter` (core notices, sent after commit; once each: alumni.notices_departures registers the kind)."""
    hr = Membership.objects.for_organization(departure.organization_id).filter(
        role=Role.HR, status=MembershipStatus.ACTIVE
    )
    recipients = {departure.membership_id, departure.manager_id, *hr.values_list("pk", flat=True)}
    recipients -= {None, starter.pk}
    notices.enqueue(
        notices.Due(
            organization_id=departure.organization_id,
            kind=STARTED,
            obj=departure,
            recipient_id=recipient,
            label=departure.membership.user.display_name,
            url=reverse("alumni:departure", args=[departure.organization.slug, departure.pk]),
        )
        for recipient in sorted(recipients)
    )


# --- start, edit, cancel -----------------------------------------------------------------------------------------


@transaction.atomic
def departure_start(
    *, actor: Membership, membership: Membership, data: dict, reports_to: Membership | None = None
) -> Departure:
    """Start `membership`'s departure, as `actor`: HR for any active member, a manager for a direct report, anyone
    for themself (selectors.startable_members). `data`: last_day (a date, inclusive, today or later, not before
    joined_on), kind (a DepartureKind value), tour_completed (bool), personal_email (str, may be empty).
    `reports_to` is named by HR only (ignored from anyone else): required when the person has reports.
    The manager is snapshotted from the membership. The person, their manager and HR are told (not the starter).
    Raises PermissionDenied, ValidationError by field (`membership` when a departure is planned already).
    Audit: `departure.start`."""
    locked = (
        Membership.objects.for_organization(actor.organization_id)
        .select_for_update()
        .filter(pk=membership.pk, status=MembershipStatus.ACTIVE)
        .first()
    )
    if locked is None or not selectors.startable_members(actor=actor).filter(pk=membership.pk).exists():
        raise PermissionDenied
    membership = locked
    if selectors.planned_departure_of(membership) is not None:
        raise ValidationError(
            {
                "membership": [
                    _("A departure is planned for this person already: open it from the list to change or cancel it.")
                ]
            }
        )
    errors = {}
    details = {}
    try:
        details = _check_details(membership=membership, data=data, today=timezone.localdate())
    except ValidationError as error:
        errors.update(error.message_dict)
    if selectors.is_hr(actor):
        try:
            reports_to = _check_reports_to(leaver=membership, reports_to=reports_to)
        except ValidationError as error:
            errors.update(error.message_dict)
    else:
        reports_to = None
    if errors:
        raise ValidationError(errors)
    departure = Departure.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        manager_id=membership.manager_id,
        reports_to=reports_to,
        started_by=actor,
        **details,
    )
    audit_log(
        "departure.start",
        obj=departure,
        actor=actor,
        subject=membership,
        changes=diff(departure, ["last_day", "kind", "tour_completed", "manager", "reports_to"]),
    )
    _notify_started(departure, starter=actor)
    return departure


def _locked(departure: Departure) -> Departure:
    return (
        Departure.objects.for_organization(departure.organization_id)
        .select_for_update(of=("self",))
        .select_related("membership__user", "organization")
        .get(pk=departure.pk)
    )


@transaction.atomic
def departure_update(
    *, actor: Membership, departure: Departure, data: dict, reports_to: Membership | None = None
) -> Departure:
    """Change a planned departure's details (as departure_start's `data`), as HR, its manager or the person;
    `reports_to` only from HR (kept as it is for anyone else). Raises PermissionDenied, StateConflict when it is
    no longer planned, ValidationError by field. Audit: `departure.update` (the fields that changed)."""
    departure = _locked(departure)
    if not selectors.can_edit(actor, departure):
        raise PermissionDenied
    conflict = not_planned_conflict(departure)
    if conflict is not None:
        raise conflict
    errors = {}
    details = {}
    try:
        details = _check_details(
            membership=departure.membership, data=data, today=timezone.localdate(), before=departure
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if selectors.is_hr(actor):
        try:
            departure.reports_to = _check_reports_to(leaver=departure.membership, reports_to=reports_to)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    for name, value in details.items():
        setattr(departure, name, value)
    changes = diff(departure, [*DETAIL_FIELDS, "reports_to"])
    departure.save()
    if changes:
        audit_log("departure.update", obj=departure, actor=actor, subject=departure.membership, changes=changes)
    return departure


@transaction.atomic
def departure_cancel(*, actor: Membership, departure: Departure, reason: str) -> Departure:
    """Cancel a planned departure until its last day (inclusive), as HR, its manager or the person, saying why
    (`reason`, required). It is kept (status cancelled, who, when, why), never deleted. Raises PermissionDenied,
    StateConflict (no longer planned, or the last day has passed), ValidationError keyed by `reason`.
    Audit: `departure.cancel`."""
    departure = _locked(departure)
    if not selectors.can_edit(actor, departure):
        raise PermissionDenied
    conflict = cancel_conflict(departure, timezone.localdate())
    if conflict is not None:
        raise conflict
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the departure is cancelled: it is kept with the departure.")]})
    if len(reason) > ANSWER_MAX:
        raise ValidationError(
            {
                "reason": [
                    _("Keep it to %(max)d characters (this one has %(n)d).") % {"max": ANSWER_MAX, "n": len(reason)}
                ]
            }
        )
    departure.status = DepartureStatus.CANCELLED
    departure.cancelled_at = timezone.now()
    departure.cancelled_by = actor.user
    departure.cancel_reason = reason
    departure.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    audit_log(
        "departure.cancel",
        obj=departure,
        actor=actor,
        subject=departure.membership,
        changes=diff(departure, ["status", "cancelled_at", "cancel_reason"]),
    )
    return departure


@transaction.atomic
def conversation_update(*, actor: Membership, departure: Departure, data: dict) -> Departure:
    """Save the exit conversation of a planned departure, as the person only (before or after the last day, while
    it is planned). `data`: each of EXIT_ANSWER_FIELDS (str) with `<field>_quotable` (bool: HR may quote it),
    `comeback` (a ComebackInterest value) and `personal_email`. Raises PermissionDenied for anyone but the
    person, StateConflict when it is no longer planned, ValidationError by field. Audit: `departure.conversation`
    (the answers that changed, redacted; each consent's value)."""
    departure = _locked(departure)
    if departure.membership_id != actor.pk:
        raise PermissionDenied
    conflict = not_planned_conflict(departure)
    if conflict is not None:
        raise conflict
    errors = {}
    for field in EXIT_ANSWER_FIELDS:
        text = (data.get(field) or "").strip()
        if len(text) > ANSWER_MAX:
            errors[field] = [
                _("Keep it to %(max)d characters (this one has %(n)d).") % {"max": ANSWER_MAX, "n": len(text)}
            ]
        setattr(departure, field, text)
        setattr(departure, f"{field}_quotable", bool(data.get(f"{field}_quotable")))
    comeback = data.get("comeback") or ""
    if comeback not in ComebackInterest.values:
        errors["comeback"] = [_("Choose one of the answers.")]
    if errors:
        raise ValidationError(errors)
    departure.comeback = comeback
    departure.personal_email = (data.get("personal_email") or "").strip()
    departure.conversation_updated_at = timezone.now()
    changes = diff(departure, [*EXIT_ANSWER_FIELDS, *(f"{f}_quotable" for f in EXIT_ANSWER_FIELDS), "comeback"])
    changes = {name: [REDACTED, REDACTED] if name in EXIT_ANSWER_FIELDS else value for name, value in changes.items()}
    changes |= diff(departure, ["personal_email"])
    departure.save()
    audit_log("departure.conversation", obj=departure, actor=actor, subject=departure.membership, changes=changes)
    return departure


# --- the last day ------------------------------------------------------------------------------------------------


def _ending_reason(departure: Departure) -> str:
    """The reason recorded on the tours the departure ends, in the site's language (one text both sides read)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Left the organization: departure with the last working day %(day)s (%(kind)s).") % {
            "day": departure.last_day.isoformat(),
            "kind": departure.get_kind_display(),
        }


def _end_tours(departure: Departure) -> list[int]:
    """End the person's active tours with the departure's kind and reason (checkpoints' service), before
    `member_left` would end them with its generic reason. Returns the ids of the tours ended."""
    from checkpoints.models import EndingKind
    from checkpoints.services import tour_end_on_leaving

    kind = EndingKind.COMPLETED if departure.tour_completed else EndingKind.ENDED_EARLY
    reason = _ending_reason(departure)
    tours = Tour.objects.for_organization(departure.organization_id).filter(
        employee_id=departure.membership_id, status=TourStatus.ACTIVE
    )
    return [tour.pk for tour in tours.order_by("pk") if tour_end_on_leaving(tour=tour, kind=kind, reason=reason)]


def _move_reports(departure: Departure, leaver: Membership) -> list[int]:
    """Move every member whose manager is `leaver` to `departure.reports_to` (one ManagerChange each, reason
    status_changed). Nothing when no valid successor is named: membership_update then leaves them without a
    manager, which HR's members page flags. Returns the ids of the members moved."""
    successor = departure.reports_to
    if successor is None:
        return []
    successor = (
        Membership.objects.for_organization(departure.organization_id)
        .select_for_update()
        .filter(pk=successor.pk, status=MembershipStatus.ACTIVE, role__in=roles_with(VIEW_REPORTS))
        .exclude(manager=leaver)
        .first()
    )
    if successor is None or successor.pk == leaver.pk:
        logger.warning("departure %s: its reports_to is no longer a manager; reports left to HR", departure.pk)
        return []
    reports = list(
        Membership.objects.for_organization(departure.organization_id)
        .select_for_update()
        .filter(manager=leaver)
        .exclude(pk=successor.pk)
        .order_by("pk")
    )
    ManagerChange.objects.bulk_create(
        ManagerChange(
            organization_id=departure.organization_id,
            membership=report,
            previous_manager=leaver,
            new_manager=successor,
            reason=ManagerChangeReason.STATUS_CHANGED,
            changed_by=None,
        )
        for report in reports
    )
    Membership.objects.for_organization(departure.organization_id).filter(pk__in=[r.pk for r in reports]).update(
        manager=successor
    )
    return [report.pk for report in reports]


@transaction.atomic
def departure_complete(*, departure_id: int, organization_id: int, today: date) -> Departure | None:
    """The last day of one departure (see the module): returns the completed departure, or None when there was
    nothing to do (no longer planned, its last day after `today`, the local date of the scan's instant).
    Run in the departure's organization scope. Raises ValidationError when the membership cannot become alumni
    (the organization's last active HR): nothing is changed then, and the next scan tries again.
    Audit: `departure.complete` (and what the services it calls write)."""
    departure = (
        Departure.objects.for_organization(organization_id)
        .select_for_update(of=("self",))
        .filter(pk=departure_id, status=DepartureStatus.PLANNED, last_day__lte=today)
        .select_related("reports_to")
        .first()
    )
    if departure is None:
        return None
    leaver = Membership.objects.for_organization(organization_id).select_for_update().get(pk=departure.membership_id)
    changes: dict = {}
    if leaver.status == MembershipStatus.ACTIVE:
        changes["tours_ended"] = [None, _end_tours(departure)]
        changes["reports_moved"] = [None, _move_reports(departure, leaver)]
        leaver.refresh_from_db()
        membership_update(
            membership=leaver,
            actor=None,
            role=leaver.role,
            manager=None,
            job_title=leaver.job_title,
            status=MembershipStatus.ALUMNI,
            left_on=departure.last_day,
        )
    departure.status = DepartureStatus.COMPLETED
    departure.completed_at = timezone.now()
    departure.save(update_fields=["status", "completed_at"])
    audit_log(
        "departure.complete",
        obj=departure,
        subject=leaver,
        changes=diff(departure, ["status", "completed_at"]) | changes,
    )
    return departure


def complete_due_departures(*, now) -> list[int]:
    """Complete every planned departure (of every organization) whose last day is on or before `now`'s local
    date, each in its own transaction and organization scope. A departure that cannot complete is logged and
    left planned for the next scan. Returns the ids completed."""
    from django_scopes import scopes_disabled

    from alliance.tenancy import organization_scope

    today = timezone.localtime(now).date()
    with scopes_disabled():
        due = list(
            Departure.objects.filter(status=DepartureStatus.PLANNED, last_day__lte=today)
            .order_by("last_day", "pk")
            .values_list("pk", "organization_id")
        )
    completed = []
    for pk, organization_id in due:
        try:
            with organization_scope(organization_id):
                if departure_complete(departure_id=pk, organization_id=organization_id, today=today):
                    completed.append(pk)
        except ValidationError:
            logger.warning("departure %s could not complete on its last day", pk, exc_info=True)
    return completed


def mark_invited(departure_ids: list[int], *, now) -> int:
    """Stamp `community_invited_at` on the completed departures `departure_ids` not stamped yet (after their
    invitation was recorded). Returns how many were stamped."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return Departure.objects.filter(pk__in=departure_ids, community_invited_at__isnull=True).update(
            community_invited_at=now
        )
