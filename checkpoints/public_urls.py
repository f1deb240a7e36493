"""Pages of the checkpoints app outside any organization: a member's private calendar feed, which a calendar
application polls without a login (the secret token in the URL is the key).

Included at the site's root by `alliance.urls` by name (a string), so the core never imports this app;
`calendar` is a reserved organization slug (alliance.models.RESERVED_SLUGS)."""

from django.urls import path

from checkpoints.views import calendar

urlpatterns = [
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
