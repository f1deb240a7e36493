"""Calendars: a checkpoint's `.ics` invite, the member's private feed page, and the feed itself (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from alliance.models import MembershipStatus
from alliance.permissions import VIEW_OWN_RECORDS
from alliance.tenancy import TenantView, organization_scope, url_object
from checkpoints import access, calendar, selectors, services


def ics_response(body: bytes, *, filename: str | None = None) -> HttpResponse:
    """An iCalendar response; `filename` makes it a download. Never cached by a shared cache: it is personal."""
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


class CheckpointCalendarView(TenantView):
    """`/<org>/checkpoints/<pk>/calendar.ics`: the checkpoint as an all-day invite in the viewer's language, for
    whoever may see the checkpoint (checkpoints.access)."""

    capabilities = {"GET": VIEW_OWN_RECORDS}
    url_objects = {"checkpoint": url_object(access.access_checkpoint, pk="pk")}

    def get(self, request, *args, **kwargs):
        checkpoint = self.checkpoint
        checkpoint.organization = self.organization
        body = calendar.calendar_of([checkpoint], name=checkpoint.tour.title)
        return ics_response(body, filename=f"checkpoint-{checkpoint.pk}.ics")


class CalendarFeedView(TenantView, TemplateView):
    """`/<org>/calendar/`: the member's private feed. GET says whether they have one; POST makes a new one (any
    old URL stops working) and shows its URL this once: only its hash is kept."""

    template_name = "checkpoints/calendar_feed.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(feed=selectors.live_calendar_feed(self.membership)))

    def post(self, request, *args, **kwargs):
        feed, token = services.calendar_feed_create(membership=self.membership)
        url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
        # Rendered, not redirected: the token exists only in this response (never in a cookie or a later page).
        response = self.render_to_response(self.get_context_data(feed=feed, feed_url=url))
        response["Cache-Control"] = "no-store"
        return response


class CalendarFeedRevokeView(TenantView, TemplateView):
    """`/<org>/calendar/revoke/`: GET asks to confirm; POST revokes the member's feed (its URL then answers 404)."""

    template_name = "checkpoints/calendar_feed_revoke.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}

    def get(self, request, *args, **kwargs):
        feed = selectors.live_calendar_feed(self.membership)
        if feed is None:
            return redirect("checkpoints:calendar", self.organization.slug)
        return self.render_to_response(self.get_context_data(feed=feed))

    def post(self, request, *args, **kwargs):
        if services.calendar_feed_revoke(membership=self.membership):
            messages.success(request, _("Your calendar feed is revoked: its URL no longer works."))
        return redirect("checkpoints:calendar", self.organization.slug)


@require_safe
def calendar_feed(request, token: str):
    """`/calendar/<token>.ics`: the checkpoints of the feed's member (selectors.feed_checkpoints), in their
    language, without a login. 404 for an unknown or revoked token, a member who is no longer active, or an
    account that was deactivated (it could not sign in, so its feed serves nothing either)."""
    feed = selectors.calendar_feed_by_token(token)
    if feed is None or feed.membership.status != MembershipStatus.ACTIVE or not feed.membership.user.is_active:
        raise Http404
    membership = feed.membership
    with organization_scope(feed.organization_id), translation.override(membership.user.language):
        name = _("Checkpoints · %(organization)s") % {"organization": feed.organization.name}
        body = calendar.calendar_of(selectors.feed_checkpoints(membership), name=name)
    return ics_response(body)
