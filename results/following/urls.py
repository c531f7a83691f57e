from django.urls import path

from results.following import views

#: The public service worker's file name, served at the top of /races/.
WORKER = "follow-sw.js"

app_name = "following"
urlpatterns = [
    # The public service worker, at the top of the team pages' folder: its scope is /races/.
    path(f"races/{WORKER}", views.service_worker, name="service-worker"),
    path("races/<slug:slug>/teams/<str:bib>/follow/push", views.follow_push, name="push"),
    path("races/<slug:slug>/teams/<str:bib>/follow/email", views.follow_email, name="email"),
    path("follow/confirm/<str:token>/", views.confirm, name="confirm"),
    path("follow/stop/<str:token>/", views.stop, name="stop"),
]
