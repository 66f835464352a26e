"""Pages of quotes (报价单)."""

from django.urls import path

from .views import detail, editing, listing

app_name = "quotes"
urlpatterns = [
    path("", listing.quote_list, name="list"),
    path("new/", editing.quote_create, name="create"),
    path("customer-options/", editing.customer_options, name="customer_options"),
    path("<int:pk>/", detail.quote_detail, name="detail"),
    path("<int:pk>/edit/", editing.quote_edit, name="edit"),
    path("<int:pk>/delete/", editing.quote_delete, name="delete"),
    path("<int:pk>/print/", detail.quote_print, name="print"),
    path("<int:pk>/submit/", detail.quote_submit, name="submit"),
    path("<int:pk>/send/", detail.quote_send, name="send"),
    path("<int:pk>/accept/", detail.quote_accept, name="accept"),
    path("<int:pk>/reject/", detail.quote_reject, name="reject"),
    path("<int:pk>/revise/", detail.quote_revise, name="revise"),
]
