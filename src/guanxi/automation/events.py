"""Event types the approval engine emits, and how its audit actions read on a record's timeline."""

from django.utils.translation import gettext_lazy as _

SUBMITTED = "approval.submitted"
DECIDED = "approval.decided"
WITHDRAWN = "approval.withdrawn"

# Audit actions written on the record's timeline (`timeline=record`), for apps that show it.
AUDIT_ACTIONS = {
    "approval.submitted": _("submitted this for approval"),
    "approval.approved": _("approved a step of the approval"),
    "approval.rejected": _("rejected the approval"),
    "approval.returned": _("sent this back for changes"),
    "approval.withdrawn": _("withdrew the approval request"),
    "approval_flow.created": _("created the approval flow"),
    "approval_flow.updated": _("changed the approval flow"),
    "approval_flow.deleted": _("deleted the approval flow"),
}
