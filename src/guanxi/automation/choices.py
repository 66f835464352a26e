"""Statuses of approval requests and tasks, kinds of flow steps, decisions and condition operators."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("approval request", "In approval")
    APPROVED = "approved", pgettext_lazy("approval request", "Approved")
    REJECTED = "rejected", pgettext_lazy("approval request", "Rejected")
    RETURNED = "returned", pgettext_lazy("approval request", "Sent back")
    WITHDRAWN = "withdrawn", pgettext_lazy("approval request", "Withdrawn")


class TaskStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("approval task", "Not reached yet")
    PENDING = "pending", pgettext_lazy("approval task", "Waiting for decision")
    APPROVED = "approved", pgettext_lazy("approval task", "Approved")
    REJECTED = "rejected", pgettext_lazy("approval task", "Rejected")
    RETURNED = "returned", pgettext_lazy("approval task", "Sent back")
    # Another holder of the step's role decided first.
    SKIPPED = "skipped", pgettext_lazy("approval task", "Decided by someone else")
    CANCELLED = "cancelled", pgettext_lazy("approval task", "Cancelled")


DECIDED_TASK_STATUSES = (TaskStatus.APPROVED, TaskStatus.REJECTED, TaskStatus.RETURNED)


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Send back")


# The task status a decision leaves behind.
DECISION_TASK_STATUS = {
    Decision.APPROVE: TaskStatus.APPROVED,
    Decision.REJECT: TaskStatus.REJECTED,
    Decision.RETURN: TaskStatus.RETURNED,
}


class StepKind(models.TextChoices):
    USER = "user", _("A named person")
    MANAGER = "manager", _("The submitter's manager")
    MANAGER_CHAIN = "manager_chain", _("A manager further up")
    ROLE = "role", _("Anyone holding a role")


class Operator(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"
    EQ = "eq", "="
    NE = "ne", "≠"


class InboxBox(models.TextChoices):
    WAITING = "waiting", _("Waiting for me")
    SUBMITTED = "submitted", _("Submitted by me")
    DECIDED = "decided", _("Decided by me")
