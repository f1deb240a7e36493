from django.urls import path

from checkpoints.views import checkpoints, timeline

app_name = "checkpoints"

urlpatterns = [
    path("checkpoints/<int:pk>/", checkpoints.CheckpointView.as_view(), name="checkpoint"),
    path("people/<int:member_pk>/timeline/", timeline.TimelineView.as_view(), name="timeline"),
]
