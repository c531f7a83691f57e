from django.urls import path

from results.api import RaceResultsView

urlpatterns = [
    path("races/<slug:slug>/results", RaceResultsView.as_view(), name="api-race-results"),
]
