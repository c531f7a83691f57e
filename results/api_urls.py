from django.urls import path

from results.publishing.api import race_results
from results.timing.device_api.views import RaceTimingsView

urlpatterns = [
    path("races/<slug:slug>/results", race_results, name="api-race-results"),
    path("races/<slug:slug>/timings", RaceTimingsView.as_view(), name="api-race-timings"),
]
