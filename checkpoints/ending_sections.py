"""Where the end of a tour shows on other apps' pages: the tour page's section (alliance.sections slot "tour")
and the home page's "waiting for you" (alliance.dashboard.WAITING_BUILDERS). Registered by CheckpointsConfig."""

from __future__ import annotations

from alliance.sections import Section
from checkpoints import selectors


def tour_section(*, membership, tour, **kwargs) -> Section | None:
    """The tour page's "end of the tour" section: its state and the viewer's actions; None for a draft."""
    state = selectors.ending_state(viewer=membership, tour=tour)
    if state is None:
        return None
    return Section(template="checkpoints/sections/tour_ending.html", context={"state": state})


def waiting_section(*, membership):
    """The proposals to end a tour that wait for `membership`'s answer, or None."""
    endings = selectors.endings_waiting_on(membership=membership)
    if not endings:
        return None
    return {"template": "checkpoints/cards/waiting_endings.html", "endings": endings}
