"""Pages of contracts (合同) and receivables (回款)."""

from django.urls import path

from .views import detail, editing, listing, receivables

app_name = "contracts"
urlpatterns = [
    path("", listing.contract_list, name="list"),
    path("ending/", listing.contract_ending, name="ending"),
    path("receivables/", receivables.receivable_overdue, name="receivables"),
    path("new/", editing.contract_create, name="create"),
    path("customer-options/", editing.customer_options, name="customer_options"),
    path("<int:pk>/", detail.contract_detail, name="detail"),
    path("<int:pk>/edit/", editing.contract_edit, name="edit"),
    path("<int:pk>/delete/", editing.contract_delete, name="delete"),
    path("<int:pk>/submit/", detail.contract_submit, name="submit"),
    path("<int:pk>/terminate/", detail.contract_terminate, name="terminate"),
    path("<int:pk>/team/", detail.collaborator_add, name="collaborator_add"),
    path("<int:pk>/team/<int:user_id>/remove/", detail.collaborator_remove, name="collaborator_remove"),
    path("<int:pk>/attachments/", detail.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", detail.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", detail.attachment_delete, name="attachment_delete"),
    path("<int:pk>/instalments/new/", receivables.instalment_create, name="instalment_create"),
    path("instalments/<int:pk>/", receivables.instalment_edit, name="instalment_edit"),
    path("instalments/<int:pk>/delete/", receivables.instalment_delete, name="instalment_delete"),
    path("<int:pk>/payments/new/", receivables.payment_create, name="payment_create"),
    path("payments/<int:pk>/reverse/", receivables.payment_reverse, name="payment_reverse"),
]
