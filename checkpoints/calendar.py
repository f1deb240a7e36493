"""Calendar invites (RFC 5545, the icalendar library): one checkpoint's `.ics`, and a member's private feed.

Each checkpoint is one event whose UID (`checkpoint-<pk>@<site host>`) never changes, so a calendar that
imports it again, or polls the feed, updates the event instead of adding a second one; its SEQUENCE is the
checkpoint's `revision` (how often its due date moved), plus one once it is cancelled (RFC 5545 §3.8.7.4: a
change of STATUS is a revision too), so the newer copy wins.

All-day events: a checkpoint is due on a day (`due_date`), not at a time; the 1on1's hour is agreed by the two
people. An all-day event (DTSTART;VALUE=DATE) stands on that calendar day in every application whatever the
reader's time zone, which is what the organization means by the date. Timed events would need an hour nobody
chose and would move to the previous or next day for a reader in another zone. The organization's zone (the
site's TIME_ZONE, Asia/Tokyo) is still named for the calendar (X-WR-TIMEZONE) and DTSTAMP is in UTC.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText

from checkpoints.models import Checkpoint, CheckpointKind, CheckpointStatus

# RFC 5545 §3.3.11: TEXT holds no control character but HTAB (a newline is escaped as \n by the library).
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13)) | {127: None}


def _text(value: str) -> vText:
    """`value` as an iCalendar TEXT value: control characters (a bell, an escape sequence a crafted POST put in a
    title or a name) dropped, so that no calendar application rejects or misreads the file."""
    return vText(str(value).translate(_CONTROL))


def site_host() -> str:
    """The host of settings.SITE_URL (`alliance` when it has none): UIDs are unique to this site."""
    return urlsplit(settings.SITE_URL).hostname or "alliance"


def checkpoint_uid(checkpoint: Checkpoint) -> str:
    """The event UID of `checkpoint`: the same for the same checkpoint forever, and unique across sites."""
    return f"checkpoint-{checkpoint.pk}@{site_host()}"


def checkpoint_url(checkpoint: Checkpoint) -> str:
    """The absolute URL of the checkpoint's page (`checkpoint.organization` is read: select it)."""
    path = reverse("checkpoints:checkpoint", args=[checkpoint.organization.slug, checkpoint.pk])
    return settings.SITE_URL.rstrip("/") + path


def _summary(checkpoint: Checkpoint) -> str:
    tour, employee = checkpoint.tour, checkpoint.tour.employee.user.display_name
    if checkpoint.kind == CheckpointKind.CLOSING:
        return _("Closing review: %(title)s (%(employee)s)") % {"title": tour.title, "employee": employee}
    return _("Checkpoint %(number)s: %(title)s (%(employee)s)") % {
        "number": checkpoint.sequence,
        "title": tour.title,
        "employee": employee,
    }


def event_for(checkpoint: Checkpoint, *, stamp=None) -> Event:
    """One all-day VEVENT for `checkpoint` in the active language (select `tour__employee__user` and
    `organization`)."""
    cancelled = checkpoint.status == CheckpointStatus.CANCELLED
    url = checkpoint_url(checkpoint)
    event = Event()
    event.add("uid", checkpoint_uid(checkpoint))
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", checkpoint.due_date)
    event.add("dtend", checkpoint.due_date + timedelta(days=1))
    event.add("sequence", checkpoint.revision + (1 if cancelled else 0))
    event.add("summary", _text(_summary(checkpoint)))
    event.add(
        "description",
        _text(
            _(
                "Checkpoint 1on1 of the tour of duty “%(title)s” (%(organization)s). Add agenda topics before it, "
                "and record it on its page: %(url)s"
            )
            % {"title": checkpoint.tour.title, "organization": checkpoint.organization.name, "url": url}
        ),
    )
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # The day stays free in the reader's calendar: the 1on1's own meeting is booked by the people.
    event.add("transp", "TRANSPARENT")
    return event


def calendar_of(checkpoints, *, name: str) -> bytes:
    """An iCalendar document (bytes, CRLF lines) with one event per checkpoint of `checkpoints`."""
    calendar = Calendar()
    calendar.add("prodid", "-//Alliance//Checkpoints//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property is not text to the library unless told: a newline in a tour's title (a crafted POST) made
    # the invite a 500; as vText it is escaped (RFC 5545 §3.3.11) and never starts a line of its own.
    calendar.add("x-wr-calname", _text(name))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for checkpoint in checkpoints:
        calendar.add_component(event_for(checkpoint, stamp=stamp))
    return calendar.to_ical()


def feed_section(*, membership, member, tour=None, **kwargs):
    """The "alliance" page slot (alliance.sections): on one's own alliance page, a link to one's private
    calendar feed (checkpoints:calendar); nothing on someone else's. No query."""
    from alliance.permissions import VIEW_OWN_RECORDS, membership_has
    from alliance.sections import Section

    # An alumnus reads their own alliance page but has no calendar of checkpoints to come.
    if membership.pk != member.pk or not membership_has(membership, VIEW_OWN_RECORDS):
        return None
    return Section(template="checkpoints/_calendar_feed_section.html")
