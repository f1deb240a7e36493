"""Checkpoints: the 1on1s held every few months during a tour of duty, and the KPI values recorded at each."""

import hashlib

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alliance.history import track
from alliance.scoping import TenantModel

CONFIDENCE_MIN, CONFIDENCE_MAX = 1, 10


class CheckpointKind(models.TextChoices):
    REGULAR = "regular", _("Checkpoint")
    CLOSING = "closing", _("Closing review")


class CheckpointStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class AlignmentCheck(models.TextChoices):
    """ "Are we still aligned?", answered by each side at every checkpoint."""

    ON_TRACK = "on_track", _("On track")
    DRIFTING = "drifting", _("Drifting")
    OFF_TRACK = "off_track", _("Off track")


class Checkpoint(TenantModel):
    """One checkpoint 1on1 of a tour: scheduled when the tour's agreement is signed (`sequence` 1, 2, ... in date
    order, the closing review last), recorded by the employee and the manager, then confirmed by both."""

    tour = models.ForeignKey(
        "agreements.Tour", on_delete=models.PROTECT, related_name="checkpoints", verbose_name=_("tour of duty")
    )
    sequence = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due"))
    kind = models.CharField(_("kind"), max_length=8, choices=CheckpointKind.choices, default=CheckpointKind.REGULAR)
    status = models.CharField(
        _("status"), max_length=10, choices=CheckpointStatus.choices, default=CheckpointStatus.SCHEDULED
    )
    # How many times the due date moved after scheduling (an interval or period change): the SEQUENCE of the
    # checkpoint's calendar invite (RFC 5545 §3.8.7.4), so a re-downloaded invite updates the event.
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    held_on = models.DateField(_("date of the 1on1"), null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(
        _("confidence (1-10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(CONFIDENCE_MIN), MaxValueValidator(CONFIDENCE_MAX)],
    )
    employee_alignment = models.CharField(
        _("alignment (employee)"), max_length=10, choices=AlignmentCheck.choices, blank=True
    )
    employee_alignment_why = models.TextField(_("why (employee)"), blank=True)
    manager_alignment = models.CharField(
        _("alignment (manager)"), max_length=10, choices=AlignmentCheck.choices, blank=True
    )
    manager_alignment_why = models.TextField(_("why (manager)"), blank=True)
    reflection = models.TextField(_("reflection"), blank=True)
    manager_notes = models.TextField(_("manager's notes"), blank=True)
    employee_confirmed_at = models.DateTimeField(_("confirmed by the employee"), null=True, blank=True)
    manager_confirmed_at = models.DateTimeField(_("confirmed by the manager"), null=True, blank=True)
    manager_confirmed_by = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    # A checkpoint is never deleted: one a shorter period or a longer interval leaves without a date is
    # cancelled, with when and why (checkpoints.services.scheduling.checkpoints_reschedule).
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tour", "sequence"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [
            # Scheduling twice (a re-sent signal, two workers) can never add a second checkpoint of one number.
            models.UniqueConstraint(fields=["tour", "sequence"], name="checkpoint_tour_sequence_unique"),
            models.UniqueConstraint(
                fields=["tour"], condition=models.Q(kind="closing"), name="checkpoint_one_closing_review"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__isnull=True)
                | models.Q(confidence__gte=CONFIDENCE_MIN, confidence__lte=CONFIDENCE_MAX),
                name="checkpoint_confidence_1_to_10",
            ),
        ]
        # Both serve the HR dashboard and HR's home at 10,000 members by index-only scans on PostgreSQL (the
        # extra key columns stand in for INCLUDE, which SQLite lacks: models.W040): the due and overdue
        # checkpoints by due date with their tour, and the checkpoints held in a period with the answers and
        # confidence the health figures read. A scan of the organization's checkpoints took 15-60 ms a query.
        indexes = [
            models.Index(fields=["organization", "status", "due_date", "tour"], name="checkpoint_org_status_due_tour"),
            models.Index(
                fields=["organization", "held_on", "employee_alignment", "manager_alignment", "confidence"],
                condition=models.Q(status__in=["held", "confirmed"]),
                name="checkpoint_org_held_answers",
            ),
        ]

    def __str__(self):
        return f"{self.tour} #{self.sequence}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == CheckpointStatus.CONFIRMED


class KpiMeasurement(TenantModel):
    """The value of one KPI of the version in force, recorded at a checkpoint."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("checkpoint")
    )
    kpi = models.ForeignKey("agreements.Kpi", on_delete=models.PROTECT, related_name="+", verbose_name=_("KPI"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["checkpoint", "kpi__position", "kpi_id"]
        verbose_name = _("KPI measurement")
        verbose_name_plural = _("KPI measurements")
        constraints = [models.UniqueConstraint(fields=["checkpoint", "kpi"], name="measurement_one_per_kpi")]

    def __str__(self):
        return f"{self.kpi}: {self.value}"


# --- the 1on1 as a meeting: agenda, next actions, corrections, cancellation (checkpoints.services.meeting) -------

TEXT_MAX = 1000  # characters of one agenda topic, next action or correction note (checked by the services)


class MeetingSide(models.TextChoices):
    """The two sides of a checkpoint 1on1: who added a topic, who owns an action."""

    EMPLOYEE = "employee", _("Employee")
    MANAGER = "manager", _("Manager")


class AgendaTopic(TenantModel):
    """A topic one side wants to talk about, added before the 1on1 (while the checkpoint is scheduled). Its
    author may withdraw it before the meeting: it is kept, marked withdrawn, never deleted."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="agenda_topics", verbose_name=_("checkpoint")
    )
    text = models.TextField(_("topic"))
    side = models.CharField(_("side"), max_length=8, choices=MeetingSide.choices)
    added_by = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["checkpoint", "added_at", "pk"]
        verbose_name = _("agenda topic")
        verbose_name_plural = _("agenda topics")

    def __str__(self):
        return self.text[:50]


class NextAction(TenantModel):
    """An action agreed at a checkpoint 1on1, owned by one side, due on a day. Not done, it stays one row on its
    origin checkpoint and is listed on every later checkpoint of the tour as carried over until marked done."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="next_actions", verbose_name=_("agreed at")
    )
    text = models.TextField(_("action"))
    owner = models.CharField(_("owner"), max_length=8, choices=MeetingSide.choices)
    due_on = models.DateField(_("due"))
    added_by = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The checkpoint on whose page it was marked done (its origin, or a later one it was carried over to).
    done_at_checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["checkpoint", "due_on", "pk"]
        verbose_name = _("next action")
        verbose_name_plural = _("next actions")

    def __str__(self):
        return self.text[:50]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CorrectionNote(TenantModel):
    """A dated note either side adds under a confirmed checkpoint: the record itself is never edited."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="correction_notes", verbose_name=_("checkpoint")
    )
    text = models.TextField(_("correction"))
    side = models.CharField(_("side"), max_length=8, choices=MeetingSide.choices)
    added_by = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["checkpoint", "added_at", "pk"]
        verbose_name = _("correction note")
        verbose_name_plural = _("correction notes")

    def __str__(self):
        return self.text[:50]


# --- how a tour ends, and what follows it (issue 9, GOAL) ----------------------------------------------------


class EndingKind(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    ENDED_EARLY = "ended_early", _("Ended early")


class EndingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for the other side")
    CONFIRMED = "confirmed", _("Confirmed")
    # A context of their own: "Declined" alone reads as a declined signature in the catalogue.
    DECLINED = "declined", pgettext_lazy("tour ending", "Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # An open proposal that HR's direct end (or the person leaving) made moot: kept, closed.
    SUPERSEDED = "superseded", _("Superseded")


class EndingSide(models.TextChoices):
    """Who set an ending in motion: a side of the tour, HR ending it directly, or the person leaving."""

    EMPLOYEE = "employee", _("Employee")
    MANAGER = "manager", _("Manager")
    HR = "hr", _("HR")
    LEFT = "left", _("The person left the organization")


class TourEnding(TenantModel):
    """One proposal to end a tour (mark it completed, or end it early with a reason), and what became of it.

    Either side proposes and the other confirms (then the tour is COMPLETED or ENDED_EARLY); the other side may
    decline with a reason, the proposer may withdraw. HR ends a tour early directly, and the core's
    `member_left` does it for a leaver: those rows are confirmed at once. Never deleted: every step is a status.
    """

    tour = models.ForeignKey(
        "agreements.Tour", on_delete=models.PROTECT, related_name="endings", verbose_name=_("tour of duty")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EndingKind.choices)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=EndingStatus.choices, default=EndingStatus.PROPOSED)
    proposed_side = models.CharField(_("proposed by (side)"), max_length=8, choices=EndingSide.choices)
    proposed_by = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    declined_by = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        ordering = ["tour", "-proposed_at", "-id"]
        verbose_name = _("end of a tour")
        verbose_name_plural = _("ends of tours")
        constraints = [
            # One open proposal per tour, and a tour ends once, whatever two requests race to do.
            models.UniqueConstraint(
                fields=["tour"], condition=models.Q(status="proposed"), name="tour_ending_one_open_proposal"
            ),
            models.UniqueConstraint(
                fields=["tour"], condition=models.Q(status="confirmed"), name="tour_ending_ends_once"
            ),
            # An early end says why; leaving the organization is its own reason.
            models.CheckConstraint(
                condition=~models.Q(kind="ended_early", reason="") | models.Q(proposed_side="left"),
                name="tour_ending_early_has_a_reason",
            ),
        ]

    def __str__(self):
        return f"{self.tour}: {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == EndingStatus.PROPOSED

    @property
    def by_hr(self) -> bool:
        """HR ended the tour directly (the person leaves)."""
        return self.proposed_side == EndingSide.HR

    @property
    def on_leaving(self) -> bool:
        """The tour ended because its person left the organization (alliance.signals.member_left)."""
        return self.proposed_side == EndingSide.LEFT

    @property
    def reason_text(self):
        """The reason as people read it: the one given, or "left the organization" for a leaver's tour."""
        if self.proposed_side == EndingSide.LEFT and not self.reason:
            return _("Left the organization")
        return self.reason


class OutcomeKind(models.TextChoices):
    NEXT_TOUR = "next_tour", _("A next tour of duty")
    MOVED_INSIDE = "moved_inside", _("A move inside the company")
    MOVED_OUTSIDE = "moved_outside", _("A move outside the company")


class TourOutcome(TenantModel):
    """What followed an ended tour: the next tour (linked when it is started from this one), a move inside the
    company (to which team or role), or a move outside it, which the alliance counts as a success too."""

    tour = models.OneToOneField(
        "agreements.Tour", on_delete=models.PROTECT, related_name="outcome", verbose_name=_("tour of duty")
    )
    kind = models.CharField(_("what followed"), max_length=14, choices=OutcomeKind.choices)
    next_tour = models.ForeignKey(
        "agreements.Tour",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("next tour of duty"),
    )
    destination = models.CharField(_("to which team or role"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("what followed a tour")
        verbose_name_plural = _("what followed tours")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="moved_inside", destination=""), name="tour_outcome_inside_says_where"
            ),
        ]

    def __str__(self):
        return f"{self.tour}: {self.get_kind_display()}"


class CheckpointCancellation(TenantModel):
    """Who cancelled a checkpoint that was never held, when and why (the checkpoint keeps status CANCELLED): a
    tour's manager or HR cancelling one (`cancelled_by`, a reason required by the service), or the tour's end
    (`ending`, with the reason kept as it was given then; `cancelled_by` is empty when the end was the person
    leaving)."""

    checkpoint = models.OneToOneField(
        Checkpoint, on_delete=models.PROTECT, related_name="cancellation", verbose_name=_("checkpoint")
    )
    ending = models.ForeignKey(
        TourEnding, on_delete=models.PROTECT, null=True, blank=True, related_name="cancellations"
    )
    reason = models.TextField(_("reason"), blank=True)
    cancelled_by = models.ForeignKey(
        "alliance.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), default=timezone.now)

    class Meta:
        verbose_name = _("checkpoint cancellation")
        verbose_name_plural = _("checkpoint cancellations")

    def __str__(self):
        return str(self.checkpoint)


class CalendarFeed(TenantModel):
    """A member's private calendar feed: a secret URL that serves their checkpoints (as the employee, and as the
    manager of their reports) to a calendar application without a login. Only the SHA-256 of its 256-bit token
    is stored, so the URL is shown once, when it is made; revoked, the row stays (who had a feed, and when) and
    the URL answers 404. One live feed per membership: making a new one revokes the old."""

    membership = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=models.Q(revoked_at__isnull=True), name="calendar_feed_one_live"
            )
        ]

    def __str__(self):
        return f"calendar feed of {self.membership_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        """The stored form of a feed token (hex SHA-256): a 256-bit random token needs no slow hash."""
        return hashlib.sha256(token.encode()).hexdigest()


track(Checkpoint, "CheckpointEvent")
track(KpiMeasurement, "KpiMeasurementEvent")
track(NextAction, "NextActionEvent")
track(CorrectionNote, "CorrectionNoteEvent")
track(CheckpointCancellation, "CheckpointCancellationEvent")
track(TourEnding, "TourEndingEvent")
track(TourOutcome, "TourOutcomeEvent")
