"""Pages of the notification centre, under /notifications/."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("bell/", views.bell, name="bell"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("settings/", views.notification_settings, name="settings"),
    path("channels/new/", views.channel_create, name="channel_create"),
    path("channels/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("channels/<int:pk>/test/", views.channel_test, name="channel_test"),
]
