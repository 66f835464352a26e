"""Reads of approval requests and flows, bounded by who may see them.

A request is seen by its submitter, by every approver it was assigned to, and by whoever can
see its record; flows only by those who configure them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError, NotFound
from guanxi.core.paging import bounded_count
from guanxi.core.permissions import require

from .approvers import step_title
from .choices import DECIDED_TASK_STATUSES, InboxBox, RequestStatus, TaskStatus
from .models import ApprovalFlow, ApprovalRequest, ApprovalStep, ApprovalTask
from .registry import find_approvable

MANAGE = "automation.manage_approvals"


def _with_tasks(qs: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    tasks = ApprovalTask.objects.select_related("approver").order_by("step", "id")
    return qs.select_related("submitter", "content_type").prefetch_related(Prefetch("tasks", queryset=tasks))


def _record_visible(actor, record_model: type[models.Model] | None, object_id: int) -> bool:
    if record_model is None:
        return False
    manager: Any = record_model._default_manager
    if not hasattr(manager, "visible_to"):
        return True  # a record type without data scopes is open to every signed-in user, as when submitting
    return manager.visible_to(actor).filter(pk=object_id).exists()


# -- requests --


def approval_pending_for(record: models.Model) -> ApprovalRequest | None:
    """The record's request under way, if any (with its tasks)."""
    content_type = ContentType.objects.get_for_model(record)
    return _with_tasks(ApprovalRequest.objects.filter(content_type=content_type, object_id=record.pk,
                                                      status=RequestStatus.PENDING)).first()


def approval_history(*, actor, record: models.Model) -> list[ApprovalRequest]:
    """Every request of the record, newest first, with tasks and approvers prefetched.

    NotFound when the actor cannot see the record.
    """
    if not _record_visible(actor, type(record), record.pk):
        raise NotFound()
    content_type = ContentType.objects.get_for_model(record)
    requests = list(_with_tasks(ApprovalRequest.objects.filter(content_type=content_type, object_id=record.pk))
                    .order_by("-id"))
    for request in requests:
        request.record = record  # the record in hand, so its link costs no query per request
    return requests


def approval_request_list(*, actor) -> QuerySet[ApprovalRequest]:
    """Requests the actor submitted or was asked to approve."""
    if not getattr(actor, "pk", None) or not actor.is_active:
        return ApprovalRequest.objects.none()
    assigned = ApprovalTask.objects.filter(approver_id=actor.pk).values("request_id")
    return _with_tasks(ApprovalRequest.objects.filter(Q(submitter_id=actor.pk) | Q(pk__in=assigned))
                       ).prefetch_related("record")


def approval_request_get(*, actor, id: int) -> ApprovalRequest:
    """A request the actor takes part in, or whose record they can see; NotFound otherwise."""
    request = approval_request_list(actor=actor).filter(pk=id).first()
    if request is None and getattr(actor, "pk", None) and actor.is_active:
        request = _with_tasks(ApprovalRequest.objects.filter(pk=id)).prefetch_related("record").first()
        if request is not None and not _record_visible(actor, request.content_type.model_class(),
                                                       request.object_id):
            request = None
    if request is None:
        raise NotFound()
    return request


def approval_inbox(*, actor, box: str) -> QuerySet[ApprovalRequest]:
    """Waiting for the actor's decision, submitted by the actor, or decided by the actor."""
    if box not in InboxBox.values:
        raise DomainError("invalid", _("Choose one of the boxes of the approvals inbox."))
    if not getattr(actor, "pk", None) or not actor.is_active:
        return ApprovalRequest.objects.none()
    qs = ApprovalRequest.objects.all()
    if box == InboxBox.SUBMITTED:
        qs = qs.filter(submitter_id=actor.pk)
    else:
        statuses = [TaskStatus.PENDING] if box == InboxBox.WAITING else list(DECIDED_TASK_STATUSES)
        mine = ApprovalTask.objects.filter(approver_id=actor.pk, status__in=statuses).values("request_id")
        qs = qs.filter(pk__in=mine)
    return _with_tasks(qs).prefetch_related("record")


def approval_inbox_counts(*, actor) -> dict[str, tuple[int, bool]]:
    """(count, more than shown) for each box."""
    return {box: bounded_count(approval_inbox(actor=actor, box=box)) for box in InboxBox.values}


# -- presenting a request --


@dataclass
class StepView:
    """One step of a request as people read it: its title, where it stands, and its approvers."""

    number: int
    title: str
    status: str  # "done", "current", "waiting", "stopped"
    tasks: list[ApprovalTask] = field(default_factory=list)


@dataclass
class HistoryEntry:
    at: dt.datetime
    who: Any
    what: str  # "submitted", a decided task status, or "withdrawn"
    comment: str
    step: int | None = None


def request_steps(request: ApprovalRequest) -> list[StepView]:
    """Steps from the prefetched tasks."""
    steps: dict[int, StepView] = {}
    for task in request.tasks.all():
        view = steps.get(task.step)
        if view is None:
            if task.step < request.current_step or request.status == RequestStatus.APPROVED:
                status = "done"
            elif task.step == request.current_step:
                status = "current" if request.is_pending else "stopped"
            else:
                status = "waiting" if request.is_pending else "stopped"
            view = steps[task.step] = StepView(task.step, step_title(task.step_kind, task.step_name,
                                                                     task.step_detail), status)
        view.tasks.append(task)
    return [steps[n] for n in sorted(steps)]


def request_history(request: ApprovalRequest) -> list[HistoryEntry]:
    """Submitted, each decision, withdrawn: oldest first."""
    entries = [HistoryEntry(request.created_at, request.submitter, "submitted", request.comment)]
    for task in request.tasks.all():
        if task.status in DECIDED_TASK_STATUSES and task.decided_at is not None:
            entries.append(HistoryEntry(task.decided_at, task.approver, task.status, task.comment, task.step))
    if request.status == RequestStatus.WITHDRAWN and request.finished_at is not None:
        entries.append(HistoryEntry(request.finished_at, request.submitter, "withdrawn", ""))
    entries.sort(key=lambda e: e.at)
    return entries


def current_approvers(request: ApprovalRequest) -> list[Any]:
    """Who may decide the step under way now."""
    if not request.is_pending:
        return []
    return [t.approver for t in request.tasks.all()
            if t.step == request.current_step and t.status == TaskStatus.PENDING and t.approver is not None]


def my_pending_task(*, actor, request: ApprovalRequest) -> ApprovalTask | None:
    """The actor's turn on the request's current step, from the prefetched tasks."""
    if not request.is_pending or not getattr(actor, "pk", None):
        return None
    for task in request.tasks.all():
        if task.step == request.current_step and task.status == TaskStatus.PENDING and task.approver_id == actor.pk:
            return task
    return None


def can_withdraw(*, actor, request: ApprovalRequest) -> bool:
    return request.is_pending and request.submitter_id is not None and request.submitter_id == getattr(actor, "pk",
                                                                                                        None)


def record_url(request: ApprovalRequest) -> str | None:
    """The record's page, from its registration; None when its app or the record is gone."""
    approvable = find_approvable(request.entity)
    record = request.record
    if approvable is None or record is None:
        return None
    return approvable.url(record)


def entity_name(entity: str) -> str:
    approvable = find_approvable(entity)
    return str(approvable.verbose_name) if approvable is not None else entity


@dataclass
class RequestView:
    """A request with everything its row, page or panel shows, for one viewer."""

    request: ApprovalRequest
    url: str | None
    entity_name: str
    facts: list[tuple[str, str]]
    steps: list[StepView]
    history: list[HistoryEntry]
    approvers: list[Any]
    can_decide: bool
    can_withdraw: bool

    @property
    def current_step(self) -> StepView | None:
        return next((s for s in self.steps if s.status == "current"), None)


def approval_request_view(*, actor, request: ApprovalRequest) -> RequestView:
    """Everything a viewer sees of a request; its tasks (and record, for the link) should be prefetched."""
    approvable = find_approvable(request.entity)
    facts = [(approvable.fact_label(k) if approvable else k, v if v is not None else "—")
             for k, v in (request.facts or {}).items()]
    return RequestView(
        request=request,
        url=record_url(request),
        entity_name=entity_name(request.entity),
        facts=facts,
        steps=request_steps(request),
        history=request_history(request),
        approvers=current_approvers(request),
        can_decide=my_pending_task(actor=actor, request=request) is not None,
        can_withdraw=can_withdraw(actor=actor, request=request),
    )


# -- flows --


def approval_flow_list(*, actor, entity: str | None = None) -> QuerySet[ApprovalFlow]:
    require(actor, MANAGE)
    steps = ApprovalStep.objects.select_related("user", "role").order_by("position")
    qs = ApprovalFlow.objects.prefetch_related(Prefetch("steps", queryset=steps))
    if entity:
        qs = qs.filter(entity=entity)
    return qs.order_by("entity", "position", "id")


def approval_flow_get(*, actor, id: int) -> ApprovalFlow:
    flow = approval_flow_list(actor=actor).filter(pk=id).first()
    if flow is None:
        raise NotFound()
    return flow
