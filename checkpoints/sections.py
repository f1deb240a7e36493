"""What the checkpoints app adds to agreements' pages through the page slots of alliance.sections (agreements
never imports checkpoints), registered by CheckpointsConfig.ready():

- the tour page lists the tour's checkpoints, then shows its KPI picture;
- a person's alliance page shows the next checkpoint to hold, then the current tour's picture with a link to the
  career timeline;
- the tour page (and the closing review, through the `tour_ending_section` tag) shows how the tour ends.

Visibility is the tour's: the page already resolved the tour or person for the viewer, and
checkpoints.selectors.tour_picture filters by it again."""

from __future__ import annotations

from django.utils import timezone

from alliance.sections import Section
from checkpoints import rules, selectors


def tour_checkpoints_section(*, membership, tour) -> Section | None:
    """The tour's checkpoints (number, kind, due date, status, date held, link), or None before it has any (a
    draft tour). One query. The viewer may see the tour, hence its checkpoints (checkpoints.access)."""
    checkpoints = list(selectors.tour_checkpoints(tour))
    if not checkpoints:
        return None
    today = timezone.localdate()
    for checkpoint in checkpoints:
        checkpoint.overdue = rules.is_overdue(checkpoint, today)
    return Section("checkpoints/sections/tour.html", {"checkpoints": checkpoints, "tour": tour})


def tour_picture_section(*, membership, tour) -> Section | None:
    """The tour page's picture; None for a tour with no signed KPI and no held checkpoint (a draft)."""
    picture = selectors.tour_picture(membership=membership, tour=tour, prefix="tour")
    if picture is None or (not picture.series and not picture.has_data):
        return None
    return Section("checkpoints/_tour_picture.html", {"picture": picture})


def alliance_next_checkpoint_section(*, membership, member, tour) -> Section | None:
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


def alliance_picture_section(*, membership, member, tour) -> Section:
    """A person's alliance page: the link to their career timeline, and their current tour's picture when it
    has signed KPIs."""
    picture = None
    if tour is not None:
        picture = selectors.tour_picture(membership=membership, tour=tour, prefix="mine")
        if picture is not None and not picture.series and not picture.has_data:
            picture = None
    return Section("checkpoints/_alliance_picture.html", {"picture": picture, "member": member})


def tour_ending_section(*, membership, tour, **kwargs) -> Section | None:
    """The tour page's "end of the tour" section: its state and the viewer's actions (selectors.ending_state);
    None for a draft."""
    state = selectors.ending_state(viewer=membership, tour=tour)
    if state is None:
        return None
    return Section("checkpoints/sections/tour_ending.html", {"state": state})
