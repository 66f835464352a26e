"""Pages of this app: the export of any registered list."""

from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("<slug:name>/", views.export_download, name="download"),
]
