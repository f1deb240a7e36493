"""State and date rules of checkpoints: when they fall due, and when a record may still change.

Source: DESIGN.md, row Checkpoints and section Reminders ("start + n × interval until its end"), and issue 9.
"""

from __future__ import annotations

from datetime import date

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


# --- the 1on1 as a meeting (checkpoints.services.meeting) ------------------------------------------------------


def _to_checkpoint(checkpoint: Checkpoint, label) -> dict:
    return {"next_url_name": "checkpoints:checkpoint", "next_url_args": [checkpoint.pk], "next_label": label}


def agenda_conflict(checkpoint: Checkpoint) -> StateConflict | None:
    """Why agenda topics of `checkpoint` can no longer be added or withdrawn, else None: the agenda is open only
    before the meeting (while the checkpoint is scheduled); recorded, confirmed or cancelled, it is read-only."""
    if checkpoint.status == CheckpointStatus.SCHEDULED:
        return None
    if checkpoint.status == CheckpointStatus.CANCELLED:
        return edit_conflict(checkpoint)
    return StateConflict(
        _("The 1on1 was already recorded, so its agenda is closed."),
        next_step=_("Note what you agreed as next actions, or add a topic to the next checkpoint."),
        **_to_checkpoint(checkpoint, _("Read the checkpoint")),
    )


def actions_conflict(checkpoint: Checkpoint) -> StateConflict | None:
    """Why next actions can no longer be added at `checkpoint`, else None: they are agreed at the 1on1, so the
    checkpoint must be recorded (held) and still open (not confirmed, not cancelled)."""
    conflict = edit_conflict(checkpoint)
    if conflict is not None:
        return conflict
    if checkpoint.status == CheckpointStatus.SCHEDULED:
        return StateConflict(
            _("The 1on1 is not recorded yet."),
            next_step=_("Record the 1on1 first, then note the actions you agreed."),
            **_to_checkpoint(checkpoint, _("Record the checkpoint")),
        )
    return None


def mark_done_conflict(action, at: Checkpoint) -> StateConflict | None:
    """Why `action` cannot be marked done from the page of checkpoint `at`, else None. Allowed on its origin
    checkpoint while that one is open (not confirmed, not cancelled), and on any later checkpoint of the same tour
    that is not cancelled, even a confirmed one: a carried-over action is closed where it was carried to."""
    origin = action.checkpoint
    if at.pk == origin.pk:
        return edit_conflict(at)
    if at.tour_id != origin.tour_id or at.sequence < origin.sequence:
        return StateConflict(
            _("This action was not carried over to this checkpoint."),
            next_step=_("Mark it done on the checkpoint where it was agreed."),
            **_to_checkpoint(origin, _("Open that checkpoint")),
        )
    if at.status == CheckpointStatus.CANCELLED:
        return edit_conflict(at)
    return None


def correction_conflict(checkpoint: Checkpoint) -> StateConflict | None:
    """Why a correction note cannot be added to `checkpoint`, else None: notes go under confirmed checkpoints
    only; one still open is corrected by recording it again."""
    if checkpoint.status == CheckpointStatus.CONFIRMED:
        return None
    return StateConflict(
        _("Only a checkpoint both sides confirmed takes correction notes."),
        next_step=_("While it is open, change the record itself."),
        **_to_checkpoint(checkpoint, _("Read the checkpoint")),
    )


def cancel_conflict(checkpoint: Checkpoint) -> StateConflict | None:
    """Why `checkpoint` cannot be cancelled, else None: only a scheduled one can; a held or confirmed 1on1
    happened and stays on the record (a cancelled one is already cancelled)."""
    if checkpoint.status in (CheckpointStatus.SCHEDULED, CheckpointStatus.CANCELLED):
        return None
    return StateConflict(
        _("This 1on1 was already held, so it cannot be cancelled."),
        next_step=_("Its record stays with the tour; add a correction note once it is confirmed."),
        **_to_checkpoint(checkpoint, _("Read the checkpoint")),
    )


def is_overdue(checkpoint: Checkpoint, today: date) -> bool:
    """A scheduled checkpoint whose due date (inclusive) passed before `today` and that is still not held."""
    return checkpoint.status == CheckpointStatus.SCHEDULED and checkpoint.due_date < today
