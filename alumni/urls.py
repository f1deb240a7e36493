from django.urls import path

from alumni.views import departures, home

app_name = "alumni"

urlpatterns = [
    path("alumni/", home.CommunityHomeView.as_view(), name="home"),
    # departures (leaving well)
    path("alumni/departures/", departures.DepartureListView.as_view(), name="departures"),
    path("alumni/departures/start/", departures.DepartureStartView.as_view(), name="departure_start"),
    path("alumni/departures/<int:pk>/", departures.DepartureView.as_view(), name="departure"),
    path("alumni/departures/<int:pk>/edit/", departures.DepartureEditView.as_view(), name="departure_edit"),
    path("alumni/departures/<int:pk>/cancel/", departures.DepartureCancelView.as_view(), name="departure_cancel"),
    path(
        "alumni/departures/<int:pk>/conversation/",
        departures.ConversationView.as_view(),
        name="departure_conversation",
    ),
]
