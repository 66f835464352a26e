"""Pages of the duplicate review."""

from django.urls import path

from . import views

app_name = "duplicates"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("scan/", views.scan_start, name="scan"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/dismiss/", views.group_dismiss, name="dismiss"),
]
