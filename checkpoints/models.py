"""Checkpoints: the 1on1s held every few months during a tour of duty, and the KPI values recorded at each."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True, editable=False)
    cancel_reason = models.TextField(_("why it was cancelled"), blank=True, editable=False)
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
        indexes = [models.Index(fields=["organization", "status", "due_date"], name="checkpoint_org_status_due")]

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


track(Checkpoint, "CheckpointEvent")
track(KpiMeasurement, "KpiMeasurementEvent")
