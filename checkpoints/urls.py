from django.urls import path

from checkpoints.models import EndingKind
from checkpoints.views import checkpoints, endings, timeline

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
]
