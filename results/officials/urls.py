from django.contrib.auth import views as auth_views
from django.urls import path

from results.officials import views

app_name = "officials"
urlpatterns = [
    path("", views.index, name="index"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="officials/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="officials:login"), name="logout"),
]
