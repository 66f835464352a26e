"""Pages of this app."""

from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("", views.follow_up_list, name="list"),
    path("new/<int:customer_id>/", views.follow_up_create, name="create"),
    path("<int:pk>/edit/", views.follow_up_edit, name="edit"),
    path("<int:pk>/delete/", views.follow_up_delete, name="delete"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
