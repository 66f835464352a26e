"""Pages of this app, under /approvals/."""

from django.urls import path

from .views import flows, requests

app_name = "automation"
urlpatterns = [
    path("", requests.inbox, name="inbox"),
    path("<int:pk>/", requests.request_detail, name="request"),
    path("<int:pk>/decide/", requests.request_decide, name="decide"),
    path("<int:pk>/withdraw/", requests.request_withdraw, name="withdraw"),
    path("flows/", flows.flow_list, name="flow_list"),
    path("flows/new/", flows.flow_create, name="flow_create"),
    path("flows/<int:pk>/", flows.flow_edit, name="flow_edit"),
    path("flows/<int:pk>/delete/", flows.flow_delete, name="flow_delete"),
]
