from django.urls import path

from results.api import race_results

urlpatterns = [
    path("races/<slug:slug>/results", race_results, name="api-race-results"),
]
