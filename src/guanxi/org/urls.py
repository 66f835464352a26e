"""Sign-in, profile and organisation admin pages."""

from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
]
