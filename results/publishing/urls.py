from django.urls import path

from results.publishing import downloads, favicon, views

app_name = "results"
urlpatterns = [
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("races/<slug:slug>/", views.standings, name="standings"),
    path("races/<slug:slug>/embed/", views.embed, name="embed"),
    path("races/<slug:slug>/teams/<str:bib>/", views.team_detail, name="team"),
    path("races/<slug:slug>/results.pdf", downloads.results_book, name="book"),
    path(
        "races/<slug:slug>/teams/<str:bib>/certificate.pdf",
        downloads.team_certificate,
        name="team-certificate",
    ),
]
