from django.urls import path

from checkpoints.models import EndingKind
from checkpoints.views import amendments, calendar, checkpoints, endings, meeting, timeline

app_name = "checkpoints"

urlpatterns = [
    path("checkpoints/<int:pk>/", checkpoints.CheckpointView.as_view(), name="checkpoint"),
    path("people/<int:member_pk>/timeline/", timeline.TimelineView.as_view(), name="timeline"),
    # The end of a tour and what followed it.
    path(
        "tours/<int:pk>/complete/",
        endings.ProposeEndingView.as_view(kind=EndingKind.COMPLETED),
        name="tour_complete",
    ),
    path(
        "tours/<int:pk>/end-early/",
        endings.ProposeEndingView.as_view(kind=EndingKind.ENDED_EARLY),
        name="tour_end_early",
    ),
    path("tours/<int:pk>/end-now/", endings.EndNowView.as_view(), name="tour_end_now"),
    path("tours/<int:pk>/outcome/", endings.OutcomeView.as_view(), name="tour_outcome"),
    path("tours/<int:pk>/next/", endings.NextTourView.as_view(), name="tour_next"),
    path("tour-endings/<int:pk>/confirm/", endings.EndingConfirmView.as_view(), name="ending_confirm"),
    path("tour-endings/<int:pk>/decline/", endings.EndingDeclineView.as_view(), name="ending_decline"),
    path("tour-endings/<int:pk>/withdraw/", endings.EndingWithdrawView.as_view(), name="ending_withdraw"),
    path("checkpoints/<int:pk>/agenda/", meeting.AgendaTopicAddView.as_view(), name="agenda_add"),
    path(
        "checkpoints/<int:pk>/agenda/<int:topic_pk>/withdraw/",
        meeting.AgendaTopicWithdrawView.as_view(),
        name="agenda_withdraw",
    ),
    path("checkpoints/<int:pk>/actions/", meeting.NextActionAddView.as_view(), name="action_add"),
    path(
        "checkpoints/<int:pk>/actions/<int:action_pk>/done/",
        meeting.NextActionDoneView.as_view(),
        name="action_done",
    ),
    path("checkpoints/<int:pk>/corrections/", meeting.CorrectionNoteAddView.as_view(), name="correction_add"),
    path("checkpoints/<int:pk>/cancel/", meeting.CheckpointCancelView.as_view(), name="cancel"),
    path("checkpoints/overdue/", meeting.OverdueView.as_view(), name="overdue"),
    path("checkpoints/<int:pk>/calendar.ics", calendar.CheckpointCalendarView.as_view(), name="checkpoint_ics"),
    path("calendar/", calendar.CalendarFeedView.as_view(), name="calendar"),
    path("calendar/revoke/", calendar.CalendarFeedRevokeView.as_view(), name="calendar_revoke"),
    path("checkpoints/<int:pk>/amend/", amendments.ProposeAmendmentView.as_view(), name="amend"),
]
