from django.contrib.auth import views as auth_views
from django.urls import path

from results.officials import keypad, views

app_name = "officials"
urlpatterns = [
    path("", views.index, name="index"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="officials/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="officials:login"), name="logout"),
    path("sw.js", keypad.service_worker, name="service-worker"),
    path("<slug:slug>/clock", keypad.clock, name="clock"),
    path("<slug:slug>/stations/<str:code>/", keypad.keypad, name="keypad"),
    path("<slug:slug>/stations/<str:code>/roster", keypad.roster, name="roster"),
    path("<slug:slug>/stations/<str:code>/void", keypad.void, name="void"),
]
