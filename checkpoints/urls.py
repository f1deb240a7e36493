from django.urls import path

from checkpoints.views import amendments, checkpoints

app_name = "checkpoints"

urlpatterns = [
    path("checkpoints/<int:pk>/", checkpoints.CheckpointView.as_view(), name="checkpoint"),
    path("checkpoints/<int:pk>/amend/", amendments.ProposeAmendmentView.as_view(), name="amend"),
]
