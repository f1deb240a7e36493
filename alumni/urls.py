from django.urls import path

from alumni.views import home
from alumni.views import records as records_views

app_name = "alumni"

urlpatterns = [
    path("alumni/", home.CommunityHomeView.as_view(), name="home"),
    path("alumni/records/", records_views.RecordsView.as_view(), name="records"),
    path("alumni/records.csv", records_views.RecordsCsvView.as_view(), name="records_csv"),
]
