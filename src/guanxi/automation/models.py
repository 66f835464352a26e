"""Approval flows an admin configures, and the approval requests records go through."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import TimeStampedModel

from .choices import RequestStatus, StepKind, TaskStatus

MAX_COMMENT = 2000


class ApprovalFlow(TimeStampedModel):
    """An approval flow (审批流程): for one kind of record, when it applies and who approves in which order.

    `conditions` is a list of `{"fact", "operator", "value"}` that must all hold; the active flow
    with the lowest `position` whose conditions hold is the one a submitted record goes through.
    """

    entity = models.CharField(_("record type"), max_length=64)
    name = models.CharField(_("name"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("priority"), default=0,
                                           help_text=_("Flows with a lower number are tried first."))
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # Bumped on every update; an edit based on an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")
        ordering = ["entity", "position", "id"]
        indexes = [models.Index(fields=["entity", "is_active", "position", "id"], name="approval_flow_match")]

    def __str__(self) -> str:
        return self.name


class ApprovalStep(models.Model):
    """A step (审批节点) of a flow: who approves at this point.

    The people are found when a record is submitted: a named user, the submitter's manager, the
    manager `levels` up the submitter's chain, or every holder of a role (the first to decide settles it).
    """

    flow = models.ForeignKey(ApprovalFlow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("approver"), max_length=20, choices=StepKind.choices)
    name = models.CharField(_("step name"), max_length=80, blank=True)
    # A user or role deleted later leaves the step without one; submitting then says so.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    role = models.ForeignKey("org.Role", verbose_name=_("role"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    levels = models.PositiveSmallIntegerField(_("levels up"), default=1)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["flow", "position"]
        constraints = [models.UniqueConstraint(fields=["flow", "position"], name="approval_step_position")]

    def __str__(self) -> str:
        return f"{self.flow_id}.{self.position} {self.kind}"


class ApprovalRequest(TimeStampedModel):
    """An approval request (审批申请): one record submitted once, going through its flow's steps.

    The title, facts and approvers are fixed when it is submitted, so editing the flow later
    changes nothing for requests already under way. Steps are numbered from 1.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    entity = models.CharField(_("record type"), max_length=64)
    flow = models.ForeignKey(ApprovalFlow, verbose_name=_("approval flow"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="requests")
    flow_name = models.CharField(_("approval flow"), max_length=80)
    title = models.CharField(pgettext_lazy("approval request", "title"), max_length=200)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(_("comment"), max_length=MAX_COMMENT, blank=True,
                               validators=[MaxLengthValidator(MAX_COMMENT)])
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.PENDING)
    current_step = models.PositiveSmallIntegerField(_("current step"), default=1)
    step_count = models.PositiveSmallIntegerField(_("steps"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-id"]
        constraints = [
            # At most one request under way per record, even when two people submit at once.
            models.UniqueConstraint(fields=["content_type", "object_id"], condition=Q(status="pending"),
                                    name="approval_one_pending_per_record"),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-id"], name="approval_request_record"),
            models.Index(fields=["submitter", "-id"], name="approval_request_submitter"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING


class ApprovalTask(models.Model):
    """One approver's part (审批任务) in one step of a request, and their decision and comment.

    The step's kind, name and detail (role name, levels) are copied here at submission, so the
    request reads the same after its flow is edited or deleted.
    """

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="tasks")
    step = models.PositiveSmallIntegerField(_("step"))
    step_kind = models.CharField(max_length=20, choices=StepKind.choices)
    step_name = models.CharField(max_length=80, blank=True)
    step_detail = models.CharField(max_length=80, blank=True)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), null=True,
                                 on_delete=models.SET_NULL, related_name="approval_tasks")
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.WAITING)
    comment = models.TextField(_("comment"), max_length=MAX_COMMENT, blank=True,
                               validators=[MaxLengthValidator(MAX_COMMENT)])
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval task")
        verbose_name_plural = _("approval tasks")
        ordering = ["step", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step", "approver"], name="approval_task_once_per_step"),
        ]
        indexes = [models.Index(fields=["approver", "status", "request"], name="approval_task_inbox")]

    def __str__(self) -> str:
        return f"{self.request_id}.{self.step} {self.approver_id}"
