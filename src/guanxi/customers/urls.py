"""Pages of this app."""

from django.urls import path

from .views import contacts, detail, editing, export, listing, pool, recycle_bin

app_name = "customers"
urlpatterns = [
    path("", listing.customer_list, name="list"),
    path("new/", editing.customer_create, name="create"),
    path("bulk/", listing.customer_bulk, name="bulk"),
    path("export.csv", export.customer_export_csv, name="export_csv"),
    path("views/save/", listing.saved_view_save, name="saved_view_save"),
    path("views/<int:pk>/delete/", listing.saved_view_delete, name="saved_view_delete"),
    path("<int:pk>/", detail.customer_detail, name="detail"),
    path("<int:pk>/edit/", editing.customer_edit, name="edit"),
    path("<int:pk>/delete/", editing.customer_delete, name="delete"),
    path("<int:pk>/sections/<slug:name>/", detail.customer_section, name="section"),
    path("<int:pk>/team/", detail.collaborator_add, name="collaborator_add"),
    path("<int:pk>/team/<int:user_id>/remove/", detail.collaborator_remove, name="collaborator_remove"),
    path("<int:pk>/contacts/", contacts.customer_contacts, name="contacts"),
    path("<int:pk>/contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/<int:pk>/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete, name="contact_delete"),
    path("recycle-bin/", recycle_bin.recycle_bin, name="recycle_bin"),
    path("recycle-bin/<int:pk>/restore/", recycle_bin.customer_restore, name="restore"),
    path("recycle-bin/<int:pk>/purge/", recycle_bin.customer_purge, name="purge"),
    # the customer pool (公海)
    path("pool/", pool.pool_list, name="pool"),
    path("pool/<int:pk>/claim/", pool.pool_claim, name="pool_claim"),
    path("pool/assign/", pool.pool_assign, name="pool_assign"),
    path("<int:pk>/return-to-pool/", pool.customer_return, name="pool_return"),
    path("pools/", pool.pool_admin, name="pool_admin"),
    path("pools/new/", pool.pool_create, name="pool_create"),
    path("pools/<int:pk>/", pool.pool_edit, name="pool_edit"),
    path("pools/<int:pk>/delete/", pool.pool_delete, name="pool_delete"),
]
