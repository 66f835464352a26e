from django.urls import path

from . import views

app_name = "reminders"
urlpatterns = [
    path("digest/", views.digest, name="digest"),
]
