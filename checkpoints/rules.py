"""State and date rules of checkpoints: when they fall due, and when a record may still change.

Source: DESIGN.md, row Checkpoints and section Reminders ("start + n × interval until its end"), and issue 9.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from alliance.conflicts import StateConflict
from alliance.periods import period_end
from checkpoints.models import Checkpoint, CheckpointKind, CheckpointStatus


def schedule_dates(start: date, end: date, interval_months: int) -> list[tuple[date, str]]:
    """The due dates of a tour's checkpoints, in order, as `(due date, CheckpointKind value)` pairs.

    A regular checkpoint falls on the last day of each `interval_months`-month period counted from `start`
    (the n-th is `alliance.periods.period_end(start, n × interval_months)`: Civil Code art. 143 month
    arithmetic, so a tour starting on 31 January has its 3-month checkpoint on 30 April), for every n whose
    day is strictly before `end`; the closing review falls on `end`, the tour's last day (inclusive), which is
    the same rule applied to the whole period. A tour shorter than one interval has only its closing review.
    Raises ValueError when `interval_months` is below 1 or `end` is not after `start`.
    """
    if interval_months < 1:
        raise ValueError("A checkpoint interval lasts at least one month.")
    if end <= start:
        raise ValueError("A tour ends after it starts.")
    dates = []
    n = 1
    while (due := period_end(start, n * interval_months)) < end:
        dates.append((due, CheckpointKind.REGULAR.value))
        n += 1
    dates.append((end, CheckpointKind.CLOSING.value))
    return dates


def edit_conflict(checkpoint: Checkpoint) -> StateConflict | None:
    """Why `checkpoint` can no longer be recorded or confirmed (confirmed by both, or cancelled), else None.

    A confirmed checkpoint is kept as both sides agreed it: a later correction is a new note, never an edit."""
    if checkpoint.status == CheckpointStatus.CONFIRMED:
        return StateConflict(
            _("Both sides confirmed this checkpoint, so it can no longer be changed."),
            next_step=_("Add anything you learned since to the next checkpoint."),
            next_url_name="checkpoints:checkpoint",
            next_url_args=[checkpoint.pk],
            next_label=_("Read the checkpoint"),
        )
    if checkpoint.status == CheckpointStatus.CANCELLED:
        return StateConflict(
            _("This checkpoint was cancelled."),
            next_step=_("Record the next checkpoint of the tour instead."),
            next_url_name="agreements:tour",
            next_url_args=[checkpoint.tour_id],
            next_label=_("Open the tour of duty"),
        )
    return None


def amendment_conflict(checkpoint: Checkpoint) -> StateConflict | None:
    """Why no amendment can be proposed from `checkpoint`: it was cancelled, or its tour is no longer active
    (completed, ended early). None otherwise; the agreement's own state is agreements.rules.amend_conflict."""
    if checkpoint.status == CheckpointStatus.CANCELLED:
        return edit_conflict(checkpoint)
    if checkpoint.tour.status != "active":
        return StateConflict(
            _("This tour of duty is %(status)s: its agreement can no longer be amended.")
            % {"status": checkpoint.tour.get_status_display()},
            next_step=_("Open the tour of duty to see what followed."),
            next_url_name="agreements:tour",
            next_url_args=[checkpoint.tour_id],
            next_label=_("Open the tour of duty"),
        )
    return None


def validate_amendment_end(*, end_date: date | None, held_until: date | None, today: date) -> None:
    """The end an amendment proposed at a checkpoint may set: not in the past (`today` or later) and not before
    the last day a checkpoint of the tour was held (`held_until`: held or confirmed checkpoints never move, so
    the period must still contain them). None: the end does not change. Raises ValidationError on `end_date`.
    The period's length is agreements.rules.validate_tour's."""
    if end_date is None:
        return
    if held_until is not None and end_date < held_until:
        raise ValidationError(
            {
                "end_date": _(
                    "A checkpoint of this tour was already held on %(date)s: the period must still include it."
                )
                % {"date": date_format(held_until, "DATE_FORMAT")}
            }
        )
    if end_date < today:
        raise ValidationError({"end_date": _("The new end cannot be in the past.")})
