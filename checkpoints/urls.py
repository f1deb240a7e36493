from django.urls import path

from checkpoints.views import checkpoints, meeting

app_name = "checkpoints"

urlpatterns = [
    path("checkpoints/<int:pk>/", checkpoints.CheckpointView.as_view(), name="checkpoint"),
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
]
