"""What the checkpoints app adds to agreements' pages through the page slots of alliance.sections (agreements
never imports checkpoints): the tour page lists the tour's checkpoints; a person's alliance page shows the next
checkpoint to hold. Registered by CheckpointsConfig.ready()."""

from __future__ import annotations

from django.utils import timezone

from alliance.sections import Section
from checkpoints import rules, selectors


def tour_section(*, membership, tour) -> Section | None:
    """The tour's checkpoints (number, kind, due date, status, date held, link), or None before it has any (a
    draft tour). One query. The viewer may see the tour, hence its checkpoints (checkpoints.access)."""
    checkpoints = list(selectors.tour_checkpoints(tour))
    if not checkpoints:
        return None
    today = timezone.localdate()
    for checkpoint in checkpoints:
        checkpoint.overdue = rules.is_overdue(checkpoint, today)
    return Section("checkpoints/sections/tour.html", {"checkpoints": checkpoints, "tour": tour})


def alliance_section(*, membership, member, tour) -> Section | None:
    """The next checkpoint to hold of `member`'s current tour with a link, or None without a tour or once none is
    left to hold. One query."""
    if tour is None:
        return None
    checkpoint = selectors.next_to_hold(tour)
    if checkpoint is None:
        return None
    overdue = rules.is_overdue(checkpoint, timezone.localdate())
    return Section(
        "checkpoints/sections/alliance.html",
        {"checkpoint": checkpoint, "overdue": overdue, "own": member.pk == membership.pk},
    )
