"""Pages of merging, under /data-quality/merges/."""

from django.urls import path

from . import views

app_name = "merging"
urlpatterns = [
    path("", views.merge_list, name="list"),
    path("compare/", views.compare, name="compare"),
    path("<int:pk>/", views.merge_detail, name="detail"),
    path("<int:pk>/undo/", views.merge_undo, name="undo"),
]
