"""Checkpoint reminders on the core notice machinery (alliance.notices; agreements/notices.py is the model).

Each kind goes to the tour's employee and the employee's manager (checkpoints.access: the manager side); the
overdue one goes to the organization's active HR members as well (those who read every record,
agreements.capabilities.READ_ALL_RECORDS, so the link they get opens). A notice is about the checkpoint (the
tour for `tour-ending`) and its `sequence` is the checkpoint's `revision` (the closing review's for
`tour-ending`): a due date that moves gets a fresh series, and the core's unique key (organization, kind,
object, recipient, sequence) records each one once, whatever runs twice, races or crashes.

Windows (`WINDOWS`, in days relative to the checkpoint's due date, both ends inclusive, counted in the site's
calendar, settings.TIME_ZONE, which is the organizations' day): a kind is due from its first day (upcoming -7,
agenda open -3, due and closing review due 0, overdue +7, tour ending -30 before the closing review, which is the
tour's last day) and stays due until the day before the next kind of the same checkpoint takes over, at most 7
days. A scan that did not run for a day or several (beat down, a deploy) still sends the reminder on its next
run while the window lasts; after that the next kind says it better, and nothing stale goes out. Only
checkpoints still `scheduled` of `active` tours are reminded; `relevant()` drops a queued notice that no longer
applies (held, cancelled, date moved, tour ended, recipient no longer a party).

Cost: one query per window for its checkpoints (the index (organization, status, due_date) with the date range),
then per batch one query for the keys already recorded (the notice's unique key; the employee is a recipient of
every kind, so their notice marks the set as recorded and a second scan records nothing) and, for what is left
of an overdue batch, one for the HR members of the batch's organizations.
`repair_unscheduled_tours` runs first and schedules any active tour whose signature receiver failed
(checkpoints.receivers), so its reminders follow in the same scan.
"""

from __future__ import annotations

import functools
import itertools
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.capabilities import READ_ALL_RECORDS
from agreements.models import AgreementVersion, Tour, TourStatus, VersionStatus
from alliance import notices
from alliance.models import Membership, MembershipStatus, Notice, Organization
from alliance.permissions import VIEW_REPORTS, membership_has, roles_with
from alliance.tenancy import organization_scope
from checkpoints.models import Checkpoint, CheckpointKind, CheckpointStatus

logger = logging.getLogger(__name__)

UPCOMING = "checkpoint-upcoming"
AGENDA_OPEN = "checkpoint-agenda-open"
DUE = "checkpoint-due"
CLOSING_DUE = "closing-review-due"
OVERDUE = "checkpoint-overdue"
TOUR_ENDING = "tour-ending"

BOTH = (CheckpointKind.REGULAR, CheckpointKind.CLOSING)


@dataclass(frozen=True)
class Window:
    """Kind `kind` is due for a checkpoint of a kind in `checkpoint_kinds` from `first` to `last` days after
    its due date (negative: before), both inclusive; `hr`: the organization's HR is told too; `about_tour`:
    the notice is about the tour (once per tour and closing-review revision), not the checkpoint."""

    kind: str
    first: int
    last: int
    checkpoint_kinds: tuple = BOTH
    hr: bool = False
    about_tour: bool = False


WINDOWS = (
    Window(UPCOMING, -7, -4),
    Window(AGENDA_OPEN, -3, -1),
    Window(DUE, 0, 6, checkpoint_kinds=(CheckpointKind.REGULAR,)),
    Window(CLOSING_DUE, 0, 6, checkpoint_kinds=(CheckpointKind.CLOSING,)),
    Window(OVERDUE, 7, 13, hr=True),
    Window(TOUR_ENDING, -30, -24, checkpoint_kinds=(CheckpointKind.CLOSING,), about_tour=True),
)
BY_KIND = {window.kind: window for window in WINDOWS}


def local_day(instant) -> date:
    """The calendar day of `instant` in the site's time zone (settings.TIME_ZONE), the day windows count in."""
    return timezone.localdate(instant)


# Stands for the organization's slug in a reversed path, split out of it at once (the path's fixed parts never
# contain it); a slug is letters, digits, "-" and "_", which a path holds verbatim.
_SLUG = "slug-placeholder-3d9e"


@functools.cache
def _path_pattern(name: str) -> tuple[str, str, str]:
    """The path of URL `name` (args: an organization slug, then one id) split around the slug and the id.
    Cached per URL name, not per organization: a scan over a thousand organizations reversed each path anew
    (the cache per name and slug held 256), and `reverse` was a fifth of the scan's time."""
    path = reverse(name, args=[_SLUG, 1])
    before_slug, after_slug = path.split(_SLUG, 1)
    middle, tail = after_slug.rsplit("/1/", 1)
    return before_slug, middle + "/", "/" + tail


def _path(name: str, slug: str, pk: int) -> str:
    before_slug, middle, tail = _path_pattern(name)
    return f"{before_slug}{slug}{middle}{pk}{tail}"


def checkpoint_path(checkpoint: Checkpoint, slug: str) -> str:
    """The site path of the checkpoint's page (no host: e-mails prefix settings.SITE_URL)."""
    return _path("checkpoints:checkpoint", slug, checkpoint.pk)


def _label(checkpoint: Checkpoint) -> str:
    # Stored once and shown to readers of either language: no words, only the title, number and date (the
    # kind's label, translated when shown, says what it is).
    return _label_of(checkpoint.tour.title, checkpoint.sequence, checkpoint.due_date)


def _label_of(title: str, sequence: int, due_date: date) -> str:
    """`_label` from the tour's title, the checkpoint's number and due date."""
    return f"{title} #{sequence} ({due_date.isoformat()})"


# --- the providers: what is due at an instant, in batches -----------------------------------------------------


def _window_rows(window: Window, today: date, organization_ids: list[int], batch_size: int):
    """Yield lists of at most `batch_size` rows (checkpoint id, id of the object the notice is about,
    organization id, checkpoint number, due date, revision, tour id, tour title, employee id, employee's
    manager id or None) of the scheduled checkpoints of active tours for which `window` is due on `today`, by
    checkpoint id. One query on the index (organization, status, due_date): every organization, each searched
    by its own range of the index; read through a server-side cursor on PostgreSQL (`iterator`), so the scan
    holds one batch at a time however many are due. It reads what a notice stores too (the title, the
    manager), so an owed batch needs no second query."""
    about = "tour_id" if window.about_tour else "pk"
    rows = (
        Checkpoint.objects.filter(
            organization_id__in=organization_ids,
            status=CheckpointStatus.SCHEDULED,
            due_date__gte=today - timedelta(days=window.last),
            due_date__lte=today - timedelta(days=window.first),
            kind__in=window.checkpoint_kinds,
            tour__status=TourStatus.ACTIVE,
        )
        .order_by("pk")
        .values_list(
            "pk",
            about,
            "organization_id",
            "sequence",
            "due_date",
            "revision",
            "tour_id",
            "tour__title",
            "tour__employee_id",
            "tour__employee__manager_id",
        )
        .iterator(chunk_size=batch_size)
    )
    while chunk := list(itertools.islice(rows, batch_size)):
        yield chunk


def _recorded(window: Window, organization_ids, about: list[int], content_type) -> set[tuple[int, int, int]]:
    """The (object id, recipient id, sequence) keys of `window`'s notices already recorded about objects from
    the smallest to the largest of `about` (a superset of what the caller asks about). One query on the notice's
    unique key (organization, kind, content type, object id, ...) as an index range, whatever the table's
    statistics say: a NOT EXISTS in the window's query let a stale plan turn the second scan quadratic right
    after the first one recorded 200,000 notices, and PostgreSQL 15 read `object_id IN (...)` as a filter over
    every notice of the kind instead of a range of the index."""
    return set(
        Notice.objects.filter(
            organization_id__in=organization_ids,
            kind=window.kind,
            content_type=content_type,
            object_id__gte=min(about),
            object_id__lte=max(about),
        ).values_list("object_id", "recipient_id", "sequence")
    )


def _hr_of(organization_ids) -> dict[int, list[int]]:
    """The active members of each organization who read every record (HR), by organization id. One query."""
    hr: dict[int, list[int]] = {}
    for organization_id, pk in Membership.objects.filter(
        organization_id__in=organization_ids, status=MembershipStatus.ACTIVE, role__in=roles_with(READ_ALL_RECORDS)
    ).values_list("organization_id", "pk"):
        hr.setdefault(organization_id, []).append(pk)
    return hr


def reminders_due(*, now, batch_size: int):
    """Yield lists of checkpoint reminders due at `now` (see WINDOWS), across organizations: per window one
    query for its checkpoints (`_window_rows`), then per batch one for the notices already recorded and, when
    something is left to record and the window tells HR, one for the HR members. Called by the
    scan with django-scopes disabled (alliance.notices.scan); each `Due` names its checkpoint's organization."""
    today = local_day(now)
    slugs = dict(Organization.objects.order_by().values_list("pk", "slug"))
    organization_ids = list(slugs)
    content_types = {
        False: ContentType.objects.get_for_model(Checkpoint),
        True: ContentType.objects.get_for_model(Tour),
    }
    for window in WINDOWS:
        for chunk in _window_rows(window, today, organization_ids, batch_size):
            # The employee is a recipient of every kind: their recorded notice means the set was recorded, so a
            # chunk already recorded costs this one query and builds no notice.
            recorded = _recorded(window, organization_ids, [row[1] for row in chunk], content_types[window.about_tour])
            batch = [row for row in chunk if (row[1], row[8], row[5]) not in recorded]
            if not batch:
                continue
            hr = _hr_of({row[2] for row in batch}) if window.hr else {}
            dues = []
            for (
                pk,
                _about,
                organization_id,
                sequence,
                due_date,
                revision,
                tour_id,
                title,
                employee_id,
                manager_id,
            ) in batch:
                slug = slugs[organization_id]
                recipients = [employee_id]
                if manager_id:
                    recipients.append(manager_id)
                recipients += hr.get(organization_id, [])
                if window.about_tour:
                    obj, label, url = notices.Ref(Tour, tour_id), title, _path("agreements:tour", slug, tour_id)
                else:
                    obj = notices.Ref(Checkpoint, pk)
                    label = _label_of(title, sequence, due_date)
                    url = _path("checkpoints:checkpoint", slug, pk)
                dues += [
                    notices.Due(
                        organization_id=organization_id,
                        kind=window.kind,
                        obj=obj,
                        recipient_id=recipient,
                        sequence=revision,
                        label=label,
                        url=url,
                    )
                    for recipient in dict.fromkeys(recipients)  # HR may be the manager too: once
                ]
            yield dues


def unscheduled_tours():
    """Active tours with a signed agreement version and no checkpoint: their signature's receiver
    (checkpoints.receivers.schedule_on_signature) did not run or failed. One query, across organizations."""
    signed = AgreementVersion.objects.filter(agreement__tour=OuterRef("pk"), status=VersionStatus.SIGNED)
    scheduled = Checkpoint.objects.filter(tour=OuterRef("pk"))
    return (
        Tour.objects.filter(status=TourStatus.ACTIVE)
        .filter(Exists(signed))
        .filter(~Exists(scheduled))
        .order_by("pk")
        .values_list("organization_id", "pk")
    )


def repair_unscheduled_tours(*, now, batch_size: int):
    """A provider that records nothing: it schedules the checkpoints of every tour `unscheduled_tours` finds
    (checkpoints.services.checkpoints_schedule, idempotent and locked per tour, in the tour's organization
    scope) so their reminders are found by `reminders_due` in the same scan. One query when nothing is
    missing. A tour that fails is logged and left for the next scan."""
    from checkpoints import services

    for organization_id, pk in list(unscheduled_tours()[:batch_size]):
        try:
            with organization_scope(organization_id):
                tour = Tour.objects.for_organization(organization_id).get(pk=pk)
                services.checkpoints_schedule(tour=tour)
        except Exception:
            logger.exception("could not schedule the checkpoints of tour %s", pk)
    return
    yield  # a generator, as the scan expects of a provider


# --- kinds: what each e-mail says, and whether it still has something to say ---------------------------------


def _checkpoint_of(notice) -> Checkpoint | None:
    """The checkpoint a notice is about (for `tour-ending`, the tour's closing review), with its tour and
    people, or None when it is gone. One query."""
    qs = Checkpoint.objects.for_organization(notice.organization_id).select_related(
        "tour__employee__user", "tour__employee__manager__user", "organization"
    )
    if notice.kind == TOUR_ENDING:
        return qs.filter(tour_id=notice.object_id, kind=CheckpointKind.CLOSING).first()
    return qs.filter(pk=notice.object_id).first()


def _context(notice) -> dict:
    checkpoint = _checkpoint_of(notice)
    tour = checkpoint.tour
    employee = tour.employee
    return {
        "checkpoint": checkpoint,
        "tour": tour,
        "employee": employee.user,
        "manager": employee.manager.user if employee.manager else None,
        "is_employee": notice.recipient_id == employee.pk,
        "is_manager": notice.recipient_id == employee.manager_id,
        "overdue_days": (local_day(timezone.now()) - checkpoint.due_date).days,
        "url": settings.SITE_URL.rstrip("/") + notice.url,
    }


def _relevant(notice) -> bool:
    """Whether a queued notice still applies: its checkpoint is still scheduled with the same due date
    (revision), its tour active, its window not over (by the clock), and its recipient still the employee, the
    manager, or (overdue) one of HR."""
    checkpoint = _checkpoint_of(notice)
    if checkpoint is None or checkpoint.status != CheckpointStatus.SCHEDULED:
        return False
    if checkpoint.revision != notice.sequence or checkpoint.tour.status != TourStatus.ACTIVE:
        return False
    window = BY_KIND[notice.kind]
    if local_day(timezone.now()) > checkpoint.due_date + timedelta(days=window.last):
        return False
    employee = checkpoint.tour.employee
    recipient = notice.recipient
    if recipient.pk == employee.pk:
        return True
    if recipient.pk == employee.manager_id and membership_has(recipient, VIEW_REPORTS):
        return True
    return window.hr and membership_has(recipient, READ_ALL_RECORDS)


LABELS = {
    UPCOMING: _("A checkpoint is coming up"),
    AGENDA_OPEN: _("Add your agenda topics for the checkpoint"),
    DUE: _("A checkpoint is due"),
    CLOSING_DUE: _("The closing review is due"),
    OVERDUE: _("A checkpoint is overdue"),
    TOUR_ENDING: _("A tour of duty ends within 30 days"),
}


def register() -> None:
    """Register the checkpoint reminder kinds, the repair step and the reminder provider with the core scan
    (alliance.notices); called once by CheckpointsConfig.ready(). The repair runs before the reminders."""
    for kind, label in LABELS.items():
        notices.register_kind(kind, label=label, context=_context, relevant=_relevant)
    notices.register_provider(repair_unscheduled_tours)
    notices.register_provider(reminders_due)
