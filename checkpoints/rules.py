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


# --- the end of a tour (checkpoints.services.endings) ---------------------------------------------------------

ENDED_STATUSES = ("completed", "ended_early")  # agreements.models.TourStatus values of a tour that has ended


def closing_review(tour) -> Checkpoint | None:
    """The tour's closing review (the checkpoint of kind CLOSING, on its last day), or None when not scheduled."""
    return Checkpoint.objects.filter(tour=tour, kind=CheckpointKind.CLOSING).first()


def tour_not_active_conflict(tour) -> StateConflict | None:
    """Why `tour` cannot end now (a draft, or it ended already), else None. Source: issue 9, GOAL."""
    if tour.status == "active":
        return None
    if tour.status in ENDED_STATUSES:
        return StateConflict(
            _("This tour of duty has ended already (%(status)s).") % {"status": tour.get_status_display()},
            next_step=_("Record what followed it, or start the next tour, from the tour's page."),
            next_url_name="agreements:tour",
            next_url_args=[tour.pk],
            next_label=_("Open the tour of duty"),
        )
    return StateConflict(
        _("This tour of duty is not active: it starts when its alliance agreement is signed."),
        next_step=_("A draft that is no longer wanted is discarded instead."),
        next_url_name="agreements:tour",
        next_url_args=[tour.pk],
        next_label=_("Open the tour of duty"),
    )


def ending_propose_conflict(tour, kind: str, open_proposal=None) -> StateConflict | None:
    """Why the end of `tour` (an EndingKind value) cannot be proposed now: the tour is not active, a proposal
    waits for an answer already (`open_proposal`), or, to mark it completed, its closing review is not
    recorded yet (held or confirmed). None when it can."""
    conflict = tour_not_active_conflict(tour)
    if conflict is not None:
        return conflict
    if open_proposal is not None:
        return StateConflict(
            _("A proposal to end this tour waits for an answer already."),
            next_step=_("Confirm or decline it, or withdraw it if it is yours, before proposing anything else."),
            next_url_name="agreements:tour",
            next_url_args=[tour.pk],
            next_label=_("Open the tour of duty"),
        )
    if kind == "completed":
        review = closing_review(tour)
        if review is None or review.status not in (CheckpointStatus.HELD, CheckpointStatus.CONFIRMED):
            return StateConflict(
                _("The closing review of this tour is not recorded yet."),
                next_step=_("Hold the closing review and record it; then either side may mark the tour completed."),
                next_url_name="checkpoints:checkpoint" if review else "agreements:tour",
                next_url_args=[review.pk if review else tour.pk],
                next_label=_("Open the closing review") if review else _("Open the tour of duty"),
            )
    return None


def ending_answer_conflict(ending) -> StateConflict | None:
    """Why the proposal `ending` can no longer be confirmed, declined or withdrawn (it was answered, withdrawn
    or superseded), else None."""
    if ending.status == "proposed":
        return None
    return StateConflict(
        _("This proposal is no longer open (%(status)s).") % {"status": ending.get_status_display()},
        next_step=_("The tour's page shows where things stand now."),
        next_url_name="agreements:tour",
        next_url_args=[ending.tour_id],
        next_label=_("Open the tour of duty"),
    )


def own_proposal_conflict(ending) -> StateConflict:
    """Confirming or declining one's own side's proposal: it waits for the other side."""
    return StateConflict(
        _("This proposal comes from your side: it waits for the other side to confirm or decline it."),
        next_step=_("You may withdraw it instead."),
        next_url_name="checkpoints:ending_withdraw",
        next_url_args=[ending.pk],
        next_label=_("Withdraw the proposal"),
    )


def others_proposal_conflict(ending) -> StateConflict:
    """Withdrawing the other side's proposal: only its side withdraws it; this side confirms or declines."""
    return StateConflict(
        _("This proposal comes from the other side: only they may withdraw it."),
        next_step=_("Confirm it, or decline it with a reason."),
        next_url_name="checkpoints:ending_confirm",
        next_url_args=[ending.pk],
        next_label=_("Answer the proposal"),
    )


def tour_not_ended_conflict(tour) -> StateConflict | None:
    """Why what followed `tour` cannot be recorded yet (it has not ended), else None."""
    if tour.status in ENDED_STATUSES:
        return None
    return StateConflict(
        _("This tour of duty has not ended yet."),
        next_step=_("What followed it is recorded once it is completed or ended early."),
        next_url_name="agreements:tour",
        next_url_args=[tour.pk],
        next_label=_("Open the tour of duty"),
    )


def next_tour_conflict(tour, existing_next=None) -> StateConflict | None:
    """Why no next tour can be started from `tour`: it has not ended, or a next tour (not discarded) follows it
    already (`existing_next`). None when it can."""
    conflict = tour_not_ended_conflict(tour)
    if conflict is not None:
        return conflict
    if existing_next is not None:
        return StateConflict(
            _("A next tour of duty follows this one already (%(title)s).") % {"title": existing_next.title},
            next_step=_("Open it to continue."),
            next_url_name="agreements:tour",
            next_url_args=[existing_next.pk],
            next_label=_("Open the next tour of duty"),
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


def amendment_conflict(checkpoint: Checkpoint) -> StateConflict | None:
    """Why no amendment can be proposed from `checkpoint`: it was cancelled, or its tour is no longer active
    (completed, ended early). None otherwise; the agreement's own state is agreements.rules.amend_conflict."""
    if checkpoint.status == CheckpointStatus.CANCELLED:
        return edit_conflict(checkpoint)
    if checkpoint.tour.status != "active":
        return StateConflict(
            _("This tour of duty has ended (%(status)s): its agreement can no longer be amended.")
            % {"status": checkpoint.tour.get_status_display()},
            next_step=_("Open the tour of duty to see what followed."),
            next_url_name="agreements:tour",
            next_url_args=[checkpoint.tour_id],
            next_label=_("Open the tour of duty"),
        )
    return None


def tour_order(checkpoint: Checkpoint) -> tuple:
    """Where `checkpoint` stands among its tour's checkpoints: by due date, then number. Not the number alone:
    checkpoints_reschedule numbers the checkpoints a longer period adds after the closing review, which it moves
    to the new last day, so a higher number may come earlier."""
    return (checkpoint.due_date, checkpoint.sequence)


def mark_done_conflict(action, at: Checkpoint) -> StateConflict | None:
    """Why `action` cannot be marked done from the page of checkpoint `at`, else None. Allowed on its origin
    checkpoint while that one is open (not confirmed, not cancelled), and on any later checkpoint of the same tour
    that is not cancelled, even a confirmed one: a carried-over action is closed where it was carried to."""
    origin = action.checkpoint
    if at.pk == origin.pk:
        return edit_conflict(at)
    if at.tour_id != origin.tour_id or tour_order(at) < tour_order(origin):
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
    happened and stays on the record (a cancelled one is already cancelled). The closing review is never
    cancelled by hand: the tour is completed from it (ending_propose_conflict), so a cancelled one would leave
    the tour no way to be completed; it is cancelled with the tour when the tour ends early."""
    if checkpoint.status == CheckpointStatus.SCHEDULED and checkpoint.kind == CheckpointKind.CLOSING:
        return StateConflict(
            _("The closing review cannot be cancelled: the tour of duty is completed from it."),
            next_step=_(
                "Hold it on another day if the date does not suit; if the tour will not be completed, propose "
                "to end it early from the tour's page."
            ),
            next_url_name="agreements:tour",
            next_url_args=[checkpoint.tour_id],
            next_label=_("Open the tour of duty"),
        )
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
