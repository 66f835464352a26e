"""Pages of this app."""

from django.urls import path

from .views import conversion, detail, editing, follow_ups, listing, rules

app_name = "leads"
urlpatterns = [
    path("", listing.lead_list, name="list"),
    path("pool/", listing.lead_pool, name="pool"),
    path("new/", editing.lead_create, name="create"),
    path("bulk/", listing.lead_bulk, name="bulk"),
    path("<int:pk>/", detail.lead_detail, name="detail"),
    path("<int:pk>/edit/", editing.lead_edit, name="edit"),
    path("<int:pk>/delete/", editing.lead_delete, name="delete"),
    path("<int:pk>/claim/", detail.lead_claim, name="claim"),
    path("<int:pk>/assign/", detail.lead_assign, name="assign"),
    path("<int:pk>/convert/", conversion.lead_convert, name="convert"),
    path("<int:pk>/follow-ups/", follow_ups.follow_up_create, name="follow_up_create"),
    path("follow-ups/<int:pk>/edit/", follow_ups.follow_up_edit, name="follow_up_edit"),
    path("follow-ups/<int:pk>/delete/", follow_ups.follow_up_delete, name="follow_up_delete"),
    path("rules/", rules.rule_list, name="rule_list"),
    path("rules/new/", rules.rule_edit, name="rule_create"),
    path("rules/apply/", rules.rules_apply, name="rules_apply"),
    path("rules/<int:pk>/", rules.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", rules.rule_delete, name="rule_delete"),
    path("recycle-bin/", editing.recycle_bin, name="recycle_bin"),
    path("recycle-bin/<int:pk>/restore/", editing.lead_restore, name="restore"),
]
