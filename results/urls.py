from django.urls import path

from results import views

app_name = "results"
urlpatterns = [
    path("races/<slug:slug>/", views.standings, name="standings"),
    path("races/<slug:slug>/teams/<str:bib>/", views.team_detail, name="team"),
]
