"""The career timeline of one person: what happened in their alliance, newest first, grouped by tour of duty.

The entries come from a small registry of **entry builders**, so a later feature adds its own kind of entry
(tour endings, departures) with `register_entry_builder(builder)` from its `ready()`, without this module
knowing it. A builder receives a `TimelineScope` (the viewer, the person, the tours of the page shown and the
date window of the entries that belong to no tour) and returns `TimelineEntry` rows; it makes one query for the
whole page, never one per tour or per row, so the page's query count does not grow with the career. What a
builder returns must already be visible to `scope.viewer` (it filters with the access rules of its records).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import access as agreement_access
from agreements.models import AgreementVersion, Tour, TourStatus, VersionStatus
from alliance.models import Membership
from checkpoints import selectors
from checkpoints.models import Checkpoint, CheckpointStatus, EndingKind, EndingStatus, TourEnding, TourOutcome

TOURS_PER_PAGE = 5
# An alignment no tour grew from stands on its own in the timeline; a person holds a few a year, and a page
# lists at most this many of them (the alliance page lists them all).
MAX_STANDALONE_ALIGNMENTS = 50
TIMELINE_CHECKPOINT_STATUSES = (CheckpointStatus.HELD, CheckpointStatus.CONFIRMED, CheckpointStatus.CANCELLED)


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened: `kind` names it (and its `data-entry` on the page), `on` is its date (the sort
    key, newest first), `url` opens its record, `tour_id` is the tour it belongs to (None: it stands alone,
    placed among the tours by its date). `status`/`status_label` make its badge, `marks` further badges
    (an amendment), `detail` a line of context; `order` breaks ties between entries of one date (higher: newer)."""

    kind: str
    on: date
    title: str
    url: str
    tour_id: int | None = None
    status: str = ""
    status_label: str = ""
    marks: tuple[str, ...] = ()
    detail: str = ""
    order: int = 0


@dataclass(frozen=True)
class TimelineScope:
    """What a builder may read: `tours` are the page's tours (newest first, all visible to `viewer`); entries
    with no tour belong to this page when dated within [`since`, `until`) (None: unbounded on that side)."""

    viewer: Membership
    member: Membership
    tours: list[Tour]
    since: date | None
    until: date | None

    @property
    def tour_ids(self) -> list[int]:
        return [t.pk for t in self.tours]

    def in_window(self, on: date) -> bool:
        return (self.since is None or on >= self.since) and (self.until is None or on < self.until)


EntryBuilder = Callable[[TimelineScope], Iterable[TimelineEntry]]
ENTRY_BUILDERS: list[EntryBuilder] = []


def register_entry_builder(builder: EntryBuilder) -> EntryBuilder:
    """Add `builder` to the timeline (registering it twice keeps one); returns it, so it works as a decorator."""
    if builder not in ENTRY_BUILDERS:
        ENTRY_BUILDERS.append(builder)
    return builder


@dataclass
class TimelineGroup:
    """A tour with its entries and its KPI picture, or (tour None) one entry that belongs to no tour."""

    on: date
    tour: Tour | None
    entries: list[TimelineEntry] = field(default_factory=list)
    picture: selectors.TourPicture | None = None


@dataclass
class Timeline:
    groups: list[TimelineGroup]
    page: object  # django.core.paginator.Page of tours


def _sort_key(entry: TimelineEntry):
    return (entry.on, entry.order)


def visible_career_tours(*, viewer: Membership, member: Membership):
    """The tours of `member` that `viewer` may see (agreements.access.visible_tours), newest first; discarded
    drafts stay in the database but out of the timeline, as on the alliance page."""
    return (
        agreement_access.visible_tours(membership=viewer)
        .filter(employee=member)
        .exclude(status=TourStatus.DISCARDED)
        .select_related("previous")
        .order_by("-start_date", "-id")
    )


def career_timeline(*, viewer: Membership, member: Membership, page_number=None) -> Timeline:
    """Page `page_number` (1-based, anything invalid reads as the nearest page) of `member`'s timeline as
    `viewer` may see it: up to TOURS_PER_PAGE tours, newest first, each with its entries newest first and its
    KPI picture, and the entries of no tour that fall between them. A fixed number of queries whatever the
    number of tours, versions, checkpoints and KPIs."""
    tours_qs = visible_career_tours(viewer=viewer, member=member)
    page = Paginator(tours_qs, TOURS_PER_PAGE).get_page(page_number)
    tours = list(page.object_list)
    until = None
    if page.number > 1:
        # The previous page ends with the tour just before this page's first: entries of no tour dated on or
        # after its start were shown there.
        until = tours_qs.values_list("start_date", flat=True)[page.start_index() - 2]
    since = tours[-1].start_date if tours and page.has_next() else None
    scope = TimelineScope(viewer=viewer, member=member, tours=tours, since=since, until=until)
    entries = [entry for builder in ENTRY_BUILDERS for entry in builder(scope)]
    pictures = selectors.tour_pictures(membership=viewer, tours=tours, prefix="tl")
    groups = {t.pk: TimelineGroup(on=t.start_date, tour=t, picture=pictures.get(t.pk)) for t in tours}
    standalone = []
    for entry in sorted(entries, key=_sort_key, reverse=True):
        if entry.tour_id in groups:
            groups[entry.tour_id].entries.append(entry)
        elif entry.tour_id is None and scope.in_window(entry.on):
            standalone.append(TimelineGroup(on=entry.on, tour=None, entries=[entry]))
    ordered = sorted(
        [*groups.values(), *standalone],
        key=lambda g: (g.on, g.tour is not None, g.tour.pk if g.tour else 0),
        reverse=True,
    )
    return Timeline(groups=ordered, page=page)


# --- the builders of STEP 1-3 and checkpoints --------------------------------------------------------------


def _slug(scope: TimelineScope) -> str:
    return scope.viewer.organization.slug


@register_entry_builder
def alignment_entries(scope: TimelineScope) -> list[TimelineEntry]:
    """Career alignments `scope.viewer` may read (agreements.access.visible_alignments: HR only those the
    employee shared): under the tour that grew from one (its oldest on the page), else on their own."""
    grown_from: dict[int, int] = {}
    for tour in reversed(scope.tours):  # oldest first, so the oldest tour keeps the alignment
        grown_from.setdefault(tour.alignment_id, tour.pk)
    any_tour = Tour.objects.for_organization(scope.viewer.organization_id).filter(employee=scope.member)
    alignments = (
        agreement_access.visible_alignments(membership=scope.viewer)
        .filter(employee=scope.member)
        .select_related("manager__user")
        .order_by("-held_on", "-id")
    )
    window = alignments.exclude(pk__in=any_tour.values("alignment_id"))
    if scope.since is not None:
        window = window.filter(held_on__gte=scope.since)
    if scope.until is not None:
        window = window.filter(held_on__lt=scope.until)
    rows = list(window[:MAX_STANDALONE_ALIGNMENTS])
    if grown_from:
        rows += alignments.filter(pk__in=list(grown_from))
    slug = _slug(scope)
    return [
        TimelineEntry(
            kind="alignment",
            on=alignment.held_on,
            title=_("Career alignment 1on1"),
            url=reverse("agreements:alignment", args=[slug, alignment.pk]),
            tour_id=grown_from.get(alignment.pk),
            status=alignment.status,
            status_label=str(alignment.get_status_display()),
            detail=(
                _("with %(manager)s") % {"manager": alignment.manager.user.display_name} if alignment.manager else ""
            ),
        )
        for alignment in rows
    ]


@register_entry_builder
def version_entries(scope: TimelineScope) -> list[TimelineEntry]:
    """The agreement versions of the page's tours (discarded drafts left out), amendments marked; dated by
    their signature, else their request for signatures, else their creation."""
    versions = (
        AgreementVersion.objects.for_organization(scope.viewer.organization_id)
        .filter(agreement__tour__in=scope.tour_ids)
        .exclude(status=VersionStatus.DISCARDED)
        .select_related("agreement")
        .order_by("agreement_id", "number")
    )
    slug = _slug(scope)
    entries = []
    for version in versions:
        moment = version.signed_at or version.requested_at or version.created_at
        entries.append(
            TimelineEntry(
                kind="version",
                on=timezone.localdate(moment),
                title=_("Alliance agreement, version %(number)s") % {"number": version.number},
                url=reverse("agreements:version", args=[slug, version.agreement_id, version.number]),
                tour_id=version.agreement.tour_id,
                status=version.status,
                status_label=str(version.get_status_display()),
                marks=(_("Amendment"),) if version.is_amendment else (),
                order=version.number,
            )
        )
    return entries


@register_entry_builder
def checkpoint_entries(scope: TimelineScope) -> list[TimelineEntry]:
    """The checkpoints of the page's tours that were held, confirmed or cancelled (the ones still scheduled
    are on the tour page); dated by the 1on1, or the due date for a cancelled one."""
    checkpoints = (
        Checkpoint.objects.for_organization(scope.viewer.organization_id)
        .filter(tour__in=scope.tour_ids, status__in=TIMELINE_CHECKPOINT_STATUSES)
        .order_by("tour_id", "sequence")
    )
    slug = _slug(scope)
    return [
        TimelineEntry(
            kind="checkpoint",
            on=checkpoint.held_on or checkpoint.due_date,
            title=_("%(kind)s %(number)s") % {"kind": checkpoint.get_kind_display(), "number": checkpoint.sequence},
            url=reverse("checkpoints:checkpoint", args=[slug, checkpoint.pk]),
            tour_id=checkpoint.tour_id,
            status=checkpoint.status,
            status_label=str(checkpoint.get_status_display()),
            detail=(_("confidence %(score)s / 10") % {"score": checkpoint.confidence} if checkpoint.confidence else ""),
            order=checkpoint.sequence,
        )
        for checkpoint in checkpoints
    ]


@register_entry_builder
def ending_entries(scope: TimelineScope) -> list[TimelineEntry]:
    """How the page's tours ended (the confirmed TourEnding: completed, or ended early with its reason) and
    what followed each (its TourOutcome), dated by the confirmation and the recording; both link to the tour
    page's ending section, the outcome to the next tour when it names one. Two queries for the page."""
    slug = _slug(scope)
    endings = (
        TourEnding.objects.for_organization(scope.viewer.organization_id)
        .filter(tour__in=scope.tour_ids, status=EndingStatus.CONFIRMED)
        .order_by("tour_id")
    )
    outcomes = (
        TourOutcome.objects.for_organization(scope.viewer.organization_id)
        .filter(tour__in=scope.tour_ids)
        .order_by("tour_id")
    )
    entries = [
        TimelineEntry(
            kind="tour_ending",
            on=timezone.localdate(ending.confirmed_at),
            title=_("Tour of duty completed") if ending.kind == EndingKind.COMPLETED else _("Tour of duty ended early"),
            url=reverse("agreements:tour", args=[slug, ending.tour_id]) + "#tour-ending",
            tour_id=ending.tour_id,
            status=ending.kind,
            status_label=str(ending.get_kind_display()),
            detail=str(ending.reason_text),
            # After everything else of its day: the end closes the tour.
            order=10_000,
        )
        for ending in endings
    ]
    entries += [
        TimelineEntry(
            kind="tour_outcome",
            on=timezone.localdate(outcome.recorded_at),
            title=_("What followed: %(kind)s") % {"kind": outcome.get_kind_display()},
            url=reverse("agreements:tour", args=[slug, outcome.next_tour_id or outcome.tour_id])
            + ("" if outcome.next_tour_id else "#tour-ending"),
            tour_id=outcome.tour_id,
            detail=outcome.destination,
            order=10_001,
        )
        for outcome in outcomes
    ]
    return entries
