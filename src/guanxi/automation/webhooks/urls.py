"""Pages of webhooks, under /webhooks/."""

from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("new/", views.webhook_create, name="create"),
    path("<int:pk>/", views.webhook_detail, name="detail"),
    path("<int:pk>/edit/", views.webhook_edit, name="edit"),
    path("<int:pk>/delete/", views.webhook_delete, name="delete"),
    path("<int:pk>/secret/", views.webhook_secret, name="secret"),
    path("<int:pk>/test/", views.webhook_test, name="test"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay, name="replay"),
]
