from django.urls import path

from races import views

app_name = "races"
urlpatterns = [
    path("", views.race_list, name="list"),
    path("races/<slug:slug>/register/", views.register, name="register"),
    path("races/<slug:slug>/register/<str:bib>/", views.registered, name="registered"),
]
