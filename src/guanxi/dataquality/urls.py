"""Pages of this app."""

from django.urls import path

from . import views

app_name = "dataquality"
urlpatterns = [
    path("", views.collision_settings, name="settings"),
]
