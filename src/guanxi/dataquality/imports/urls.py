"""Pages of imports: history, upload, mapping, preview and options, report, failed rows."""

from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/mapping/", views.import_mapping, name="mapping"),
    path("<int:pk>/preview/", views.import_preview, name="preview"),
    path("<int:pk>/failed-rows.<str:fmt>", views.failed_rows, name="failed_rows"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
]
