"""Reads of departures (leaving well): who may see, edit or cancel one, which exit-conversation answers a viewer
may read, HR's and managers' list, and the home page's card. Every function takes the organization (or a
membership of it) and never reads another organization's rows.

Who sees a departure: the person leaving, the manager it was started under (`Departure.manager`, kept after the
last day) and HR (MANAGE_DEPARTURES); anyone else gets 404. Of the exit conversation, the person and that manager
read every answer; HR reads only the answers the person let HR quote (an HR member who is also the departure's
manager reads all of them, as the manager).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.http import Http404

from alliance.models import Membership, MembershipStatus
from alliance.permissions import VIEW_REPORTS, membership_has, roles_with
from alumni.capabilities import MANAGE_DEPARTURES
from alumni.models import Departure, DepartureStatus
from alumni.models.departures import EXIT_ANSWER_FIELDS

PER_PAGE = 25


def is_hr(membership: Membership | None) -> bool:
    """Whether `membership` holds MANAGE_DEPARTURES (active HR)."""
    return membership_has(membership, MANAGE_DEPARTURES)


def departures_of(organization) -> QuerySet:
    """Every departure of `organization` (an Organization or its id), with the people a page names."""
    return Departure.objects.for_organization(organization).select_related(
        "membership__user", "manager__user", "reports_to__user", "started_by__user"
    )


def can_see(viewer: Membership | None, departure: Departure) -> bool:
    """The person, the departure's manager, and HR of its organization."""
    if viewer is None or viewer.organization_id != departure.organization_id:
        return False
    return departure.membership_id == viewer.pk or departure.manager_id == viewer.pk or is_hr(viewer)


def visible_departure(*, membership: Membership, pk) -> Departure:
    """The departure `pk` of `membership`'s organization if `membership` may see it (can_see); Http404 otherwise
    (another organization's, or one the viewer may not know of)."""
    departure = departures_of(membership.organization_id).filter(pk=pk).first()
    if departure is None or not can_see(membership, departure):
        raise Http404
    return departure


def can_edit(viewer: Membership, departure: Departure) -> bool:
    """HR, the departure's manager and the person (while it is planned: the rules module says when not)."""
    return viewer.is_active and can_see(viewer, departure)


def reads_every_answer(viewer: Membership, departure: Departure) -> bool:
    """The person and the departure's manager read every answer of the exit conversation."""
    return viewer.pk in (departure.membership_id, departure.manager_id)


@dataclass(frozen=True)
class Answer:
    """One text answer of the exit conversation as a viewer reads it: `text` is empty for an unanswered one."""

    field: str
    label: str
    text: str
    quotable: bool


def readable_answers(viewer: Membership, departure: Departure) -> list[Answer]:
    """The exit conversation's text answers `viewer` may read, in the form's order: all of them for the person and
    the departure's manager; for HR only those marked quotable (the others are never loaded into the page);
    nothing for anyone else."""
    every = reads_every_answer(viewer, departure)
    if not every and not (is_hr(viewer) and can_see(viewer, departure)):
        return []
    answers = []
    for field in EXIT_ANSWER_FIELDS:
        quotable = getattr(departure, f"{field}_quotable")
        if every or quotable:
            label = Departure._meta.get_field(field).verbose_name
            answers.append(Answer(field=field, label=label, text=getattr(departure, field), quotable=quotable))
    return answers


def hidden_answer_count(viewer: Membership, departure: Departure) -> int:
    """How many answered texts `viewer` does not see (HR: those not marked quotable), to say that some exist."""
    if reads_every_answer(viewer, departure):
        return 0
    return sum(
        1 for field in EXIT_ANSWER_FIELDS if getattr(departure, field) and not getattr(departure, f"{field}_quotable")
    )


def startable_members(*, actor: Membership) -> QuerySet:
    """The active members `actor` may start a departure for: HR anyone active, a manager themself and their
    direct reports, anyone else themself only."""
    active = Membership.objects.for_organization(actor.organization_id).filter(status=MembershipStatus.ACTIVE)
    if is_hr(actor):
        members = active
    elif membership_has(actor, VIEW_REPORTS):
        members = active.filter(Q(pk=actor.pk) | Q(manager=actor))
    else:
        members = active.filter(pk=actor.pk)
    return members.select_related("user").order_by("user__name", "pk")


def reports_to_choices(*, organization, leaver: Membership | None = None) -> QuerySet:
    """Who may take a leaver's reports: active managers and HR of `organization`, except the leaver and the
    leaver's own direct reports."""
    members = Membership.objects.for_organization(organization).filter(
        status=MembershipStatus.ACTIVE, role__in=roles_with(VIEW_REPORTS)
    )
    if leaver is not None:
        members = members.exclude(pk=leaver.pk).exclude(manager=leaver)
    return members.select_related("user").order_by("user__name", "pk")


def active_reports(leaver: Membership) -> QuerySet:
    """The active (and invited) members whose manager is `leaver`."""
    return Membership.objects.for_organization(leaver.organization_id).filter(manager=leaver)


def planned_departure_of(membership: Membership) -> Departure | None:
    """`membership`'s planned departure, if any (at most one: a database constraint)."""
    return (
        Departure.objects.for_organization(membership.organization_id)
        .filter(membership=membership, status=DepartureStatus.PLANNED)
        .first()
    )


def departure_list(*, viewer: Membership, status: str = "") -> QuerySet:
    """The departures `viewer` follows: HR every one of the organization, a manager those started under them.
    Planned ones first (the nearest last day first), then the others, the most recent first. `status` (a
    DepartureStatus value, or "" for all) filters. Three queries a page whatever its length (count, rows)."""
    departures = departures_of(viewer.organization_id)
    if not is_hr(viewer):
        departures = departures.filter(manager=viewer)
    if status:
        departures = departures.filter(status=status)
    return departures.annotate(
        planned_first=Case(
            When(status=DepartureStatus.PLANNED, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        planned_day=Case(When(status=DepartureStatus.PLANNED, then=F("last_day")), default=None),
    ).order_by("planned_first", F("planned_day").asc(nulls_last=True), "-last_day", "-pk")


@dataclass(frozen=True)
class Card:
    template: str
    own: Departure | None
    others: list
    total: int


def dashboard_card(*, membership: Membership, today: date) -> Card | None:
    """The home page card while a departure is planned: the person's own, a manager's reports' (and HR's: every
    planned one of the organization, the nearest five with the count). None when none is planned.

    One query whatever the number followed, on every home page of an active member: the own departure and the
    nearest followed ones come in one list, with only the person the card names joined, and the number followed
    on the same rows (a window count), so a large organization makes as many queries as a small one."""
    planned = (
        Departure.objects.for_organization(membership.organization_id)
        .filter(status=DepartureStatus.PLANNED)
        .select_related("membership__user")
    )
    hr = is_hr(membership)
    # At most one planned departure per person (a database constraint): the own one first, then the nearest others.
    shown = planned if hr else planned.filter(Q(membership=membership) | Q(manager=membership))
    own_first = Case(When(membership=membership, then=Value(0)), default=Value(1), output_field=IntegerField())
    rows = list(shown.annotate(shown_total=Window(Count("pk"))).order_by(own_first, "last_day", "pk")[:6])
    own = next((row for row in rows if row.membership_id == membership.pk), None)
    others = [row for row in rows if row.membership_id != membership.pk][:5]
    # Followed: every row shown but the own one (first when there is one).
    total = rows[0].shown_total - (1 if own is not None else 0) if rows else 0
    if own is None and not others:
        return None
    return Card(template="alumni/departures/card.html", own=own, others=others, total=total)


def alumni_address(membership: Membership) -> str | None:
    """The address an alumnus is mailed at: the personal e-mail of their latest completed departure, when it has
    one; None for an active member or when it has none (the login's address then)."""
    if membership.status != MembershipStatus.ALUMNI:
        return None
    latest = (
        Departure.objects.for_organization(membership.organization_id)
        .filter(membership_id=membership.pk, status=DepartureStatus.COMPLETED)
        .order_by("-last_day", "-pk")
        .values_list("personal_email", flat=True)
        .first()
    )
    return latest or None
