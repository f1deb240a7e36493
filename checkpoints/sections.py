"""What checkpoints adds to the pages of agreements (alliance.sections slots, registered in apps.ready()):
the KPI picture on the tour page, and on a person's alliance page the current tour's picture with a link to the
career timeline. Visibility is the tour's (checkpoints.selectors.tour_pictures filters by it)."""

from __future__ import annotations

from alliance.sections import Section
from checkpoints import selectors


def tour_section(*, membership, tour) -> Section | None:
    """The tour page's picture; None for a tour with no signed KPI and no held checkpoint (a draft)."""
    picture = selectors.tour_picture(membership=membership, tour=tour, prefix="tour")
    if picture is None or (not picture.series and not picture.has_data):
        return None
    return Section("checkpoints/_tour_picture.html", {"picture": picture})


def alliance_section(*, membership, member, tour) -> Section:
    """A person's alliance page: the link to their career timeline, and their current tour's picture when it
    has signed KPIs."""
    picture = None
    if tour is not None:
        picture = selectors.tour_picture(membership=membership, tour=tour, prefix="mine")
        if picture is not None and not picture.series and not picture.has_data:
            picture = None
    return Section("checkpoints/_alliance_picture.html", {"picture": picture, "member": member})
