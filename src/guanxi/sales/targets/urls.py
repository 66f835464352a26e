"""Pages of targets (业绩目标)."""

from django.urls import path

from . import views

app_name = "targets"
urlpatterns = [
    path("", views.target_grid, name="list"),
    path("cell/", views.target_cell, name="cell"),
    path("bulk/", views.target_bulk, name="bulk"),
]
