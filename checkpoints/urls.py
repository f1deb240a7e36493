from django.urls import path

from checkpoints.views import calendar, checkpoints

app_name = "checkpoints"

urlpatterns = [
    path("checkpoints/<int:pk>/", checkpoints.CheckpointView.as_view(), name="checkpoint"),
    path("checkpoints/<int:pk>/calendar.ics", calendar.CheckpointCalendarView.as_view(), name="checkpoint_ics"),
    path("calendar/", calendar.CalendarFeedView.as_view(), name="calendar"),
    path("calendar/revoke/", calendar.CalendarFeedRevokeView.as_view(), name="calendar_revoke"),
]
