"""Pages of the opportunities app."""

from django.urls import path

from .views import board, common, detail, editing, listing, pipelines, recycle_bin

app_name = "opportunities"
urlpatterns = [
    path("", board.board_page, name="board"),
    path("board/columns/<int:stage_id>/", board.board_column, name="board_column"),
    path("list/", listing.opportunity_list, name="list"),
    path("bulk/", listing.opportunity_bulk, name="bulk"),
    path("summary/", listing.opportunity_summary, name="summary"),
    path("new/", editing.opportunity_create, name="create"),
    path("pickers/customers/", common.customer_options, name="customer_options"),
    path("pickers/contacts/", common.contact_options, name="contact_options"),
    path("<int:pk>/", detail.opportunity_detail, name="detail"),
    path("<int:pk>/edit/", editing.opportunity_edit, name="edit"),
    path("<int:pk>/delete/", editing.opportunity_delete, name="delete"),
    path("<int:pk>/move/", board.opportunity_move, name="move"),
    path("<int:pk>/lines/", detail.line_add, name="line_add"),
    path("<int:pk>/lines/<int:line_id>/remove/", detail.line_remove, name="line_remove"),
    path("<int:pk>/team/", detail.collaborator_add, name="collaborator_add"),
    path("<int:pk>/team/<int:user_id>/remove/", detail.collaborator_remove, name="collaborator_remove"),
    path("recycle-bin/", recycle_bin.recycle_bin, name="recycle_bin"),
    path("recycle-bin/<int:pk>/restore/", recycle_bin.opportunity_restore, name="restore"),
    path("recycle-bin/<int:pk>/purge/", recycle_bin.opportunity_purge, name="purge"),
    path("pipelines/", pipelines.pipeline_list, name="pipeline_list"),
    path("pipelines/new/", pipelines.pipeline_create, name="pipeline_create"),
    path("pipelines/<int:pk>/", pipelines.pipeline_edit, name="pipeline_edit"),
    path("pipelines/<int:pk>/delete/", pipelines.pipeline_delete, name="pipeline_delete"),
    path("pipelines/<int:pk>/stages/", pipelines.stage_create, name="stage_create"),
    path("stages/<int:pk>/", pipelines.stage_edit, name="stage_edit"),
    path("stages/<int:pk>/shift/", pipelines.stage_shift, name="stage_shift"),
    path("stages/<int:pk>/delete/", pipelines.stage_delete, name="stage_delete"),
    path("lost-reasons/new/", pipelines.lost_reason_create, name="lost_reason_create"),
    path("lost-reasons/<int:pk>/", pipelines.lost_reason_edit, name="lost_reason_edit"),
    path("lost-reasons/<int:pk>/delete/", pipelines.lost_reason_delete, name="lost_reason_delete"),
]
