"""The alumni years on a person's career timeline (checkpoints.timeline): "Left (kind)" on the last working day of
each completed departure and "Came back" on each comeback, with the time spent as an alumnus.

Whoever may open the timeline (the person, their manager, HR: agreements.access.access_person) sees these two
facts; nothing of the exit conversation is shown. Two queries a page, whatever the number of entries.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alumni.models import Comeback, Departure, DepartureStatus
from checkpoints.timeline import TimelineEntry, TimelineScope


def _months_between(start, end) -> int:
    """Whole months from `start` to `end` (dates), at least 0."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def alumni_period(start, end) -> str:
    """The time between leaving (`start`) and coming back (`end`) in words: "2 years 3 months", "5 months"."""
    months = _months_between(start, end)
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(ngettext("%(n)s year", "%(n)s years", years) % {"n": years})
    if months or not years:
        parts.append(ngettext("%(n)s month", "%(n)s months", months) % {"n": months})
    return " ".join(parts)


def alumni_entries(scope: TimelineScope) -> list[TimelineEntry]:
    """The member's completed departures and comebacks, as entries that belong to no tour."""
    organization_id = scope.viewer.organization_id
    entries = []
    departures = Departure.objects.for_organization(organization_id).filter(
        membership=scope.member, status=DepartureStatus.COMPLETED
    )
    for departure in departures:
        entries.append(
            TimelineEntry(
                kind="alumni-left",
                on=departure.last_day,
                title=_("Left the organization (%(kind)s)") % {"kind": departure.get_kind_display()},
                url="",
                status="alumni",
                status_label=_("Alumni"),
            )
        )
    slug = scope.viewer.organization.slug
    for comeback in Comeback.objects.for_organization(organization_id).filter(membership=scope.member):
        detail = ""
        if comeback.left_on is not None:
            detail = _("Alumni for %(period)s, since %(date)s") % {
                "period": alumni_period(comeback.left_on, comeback.came_back_on),
                "date": date_format(comeback.left_on, "DATE_FORMAT"),
            }
        entries.append(
            TimelineEntry(
                kind="alumni-came-back",
                on=comeback.came_back_on,
                title=_("Came back (comeback hire)"),
                url=reverse("agreements:person", args=[slug, scope.member.pk])
                if scope.viewer.pk != scope.member.pk
                else reverse("agreements:mine", args=[slug]),
                status="active",
                status_label=_("Active again"),
                detail=detail,
                order=1,
            )
        )
    return entries
