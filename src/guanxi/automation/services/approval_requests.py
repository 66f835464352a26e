"""Writes of approval requests (审批申请): submit a record, decide a step, withdraw.

A decision claims its step with a conditional UPDATE (`WHERE status = 'pending' AND
current_step = N`) and checks the row count, so two approvers deciding at once never both
decide the same step, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound

from ..approvers import resolve_steps
from ..choices import DECISION_TASK_STATUS, Decision, RequestStatus, TaskStatus
from ..conditions import all_hold
from ..events import DECIDED, SUBMITTED, WITHDRAWN
from ..models import MAX_COMMENT, ApprovalFlow, ApprovalRequest, ApprovalTask
from ..registry import Approvable, approvable_for, find_approvable

# The request status a decision on the last step leaves; approving an earlier step keeps it pending.
FINAL_STATUS = {Decision.APPROVE: RequestStatus.APPROVED, Decision.REJECT: RequestStatus.REJECTED,
                Decision.RETURN: RequestStatus.RETURNED}


def _require_signed_in(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        raise Forbidden()


def _require_visible(actor, record: models.Model) -> None:
    manager: Any = type(record)._default_manager
    if hasattr(manager, "visible_to") and not manager.visible_to(actor).filter(pk=record.pk).exists():
        raise NotFound()


def _clean_comment(comment: str, *, required: bool) -> str:
    text = (comment or "").strip()
    if "\x00" in text:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"comment": [_("NUL characters are not allowed.")]})
    if len(text) > MAX_COMMENT:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"comment": [_("At most %(n)d characters.") % {"n": MAX_COMMENT}]})
    if required and not text:
        raise DomainError("invalid", _("Please say why, so the submitter knows what to change."),
                          {"comment": [_("Say why, so the submitter knows what to change.")]})
    return text


def _already_pending() -> DomainError:
    return DomainError("approval_pending", _("This record is already waiting for approval."))


def _already_decided() -> Conflict:
    return Conflict("already_decided",
                    _("Someone else decided this step meanwhile, or the request was withdrawn. Reload to see it."))


def matching_flow(entity: str, facts: dict[str, str | None]) -> ApprovalFlow | None:
    """The first active flow of the entity, by priority, whose conditions all hold."""
    for flow in ApprovalFlow.objects.filter(entity=entity, is_active=True).order_by("position", "id"):
        if all_hold(flow.conditions or [], facts):
            return flow
    return None


def approval_submit(*, actor, record: models.Model, comment: str = "") -> ApprovalRequest | None:
    """Start the approval of `record` by the flow that applies to it.

    None when no active flow applies: the caller treats the record as approved at once.
    The caller checks its own rights to submit (and sets the record's own status).
    """
    _require_signed_in(actor)
    approvable = approvable_for(record)
    _require_visible(actor, record)
    comment = _clean_comment(comment, required=False)
    content_type = ContentType.objects.get_for_model(record)
    pending = ApprovalRequest.objects.filter(content_type=content_type, object_id=record.pk,
                                             status=RequestStatus.PENDING)
    if pending.exists():
        raise _already_pending()
    facts = approvable.read_facts(record)
    flow = matching_flow(approvable.label, facts)
    if flow is None:
        return None
    steps = resolve_steps(flow, actor)
    submitter = actor if getattr(actor, "pk", None) else None
    request = ApprovalRequest(
        content_type=content_type, object_id=record.pk, entity=approvable.label, flow=flow, flow_name=flow.name,
        title=str(approvable.title(record))[:200], facts=facts, submitter=submitter, comment=comment,
        status=RequestStatus.PENDING, current_step=1, step_count=len(steps),
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:
            # Someone submitted the same record between our check and our insert.
            raise _already_pending() from None
        ApprovalTask.objects.bulk_create([
            ApprovalTask(request=request, step=step.number, step_kind=step.kind, step_name=step.name,
                         step_detail=step.detail[:80], approver=approver,
                         status=TaskStatus.PENDING if step.number == 1 else TaskStatus.WAITING)
            for step in steps for approver in step.approvers
        ])
        audit.record(actor, "approval.submitted", request, {"status": [None, RequestStatus.PENDING]},
                     timeline=record, object_repr=request.title,
                     extra={"flow": flow.name, "facts": facts, "comment": comment})
    events.emit(SUBMITTED, {"id": request.pk, "entity": request.entity, "object_id": record.pk,
                            "flow": flow.pk, "submitter": request.submitter_id})
    return request


def _record_of(request: ApprovalRequest) -> models.Model | None:
    """The request's record; None once it was deleted for good (the request can still be settled)."""
    model = request.content_type.model_class()
    return model._default_manager.filter(pk=request.object_id).first() if model is not None else None


@contextmanager
def _restored_on_error(request: ApprovalRequest) -> Iterator[None]:
    """A hook that refuses rolls the database back; put the caller's object back the same way."""
    saved = (request.status, request.current_step, request.updated_at, request.finished_at)
    try:
        yield
    except BaseException:
        request.status, request.current_step, request.updated_at, request.finished_at = saved
        raise


def _call(hook, record: models.Model | None, request: ApprovalRequest, actor) -> None:
    if hook is not None and record is not None:
        hook(record, request, actor)


def approval_decide(*, actor, request: ApprovalRequest, decision: str, comment: str = "") -> ApprovalRequest:
    """Approve, reject or send back the request's current step, as one of its approvers.

    Approving the last step settles the request as approved and calls `on_approved`; rejecting
    calls `on_rejected`, sending back `on_returned` — all inside this transaction, so a hook that
    refuses undoes the decision too.
    """
    _require_signed_in(actor)
    if not getattr(actor, "pk", None):
        # Only a person decides: the audit trail must name who approved.
        raise Forbidden(_("Only the approvers of the current step can decide it."))
    if decision not in Decision.values:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"decision": [_("Choose approve, reject or send back.")]})
    comment = _clean_comment(comment, required=decision != Decision.APPROVE)
    step = request.current_step
    task = ApprovalTask.objects.filter(request=request, step=step, approver_id=actor.pk,
                                       status=TaskStatus.PENDING).first()
    if task is None:
        state = ApprovalRequest.objects.filter(pk=request.pk).values_list("status", "current_step").first()
        if state is None:
            raise NotFound()
        if state != (RequestStatus.PENDING, step):
            raise _already_decided()
        raise Forbidden(_("Only the approvers of the current step can decide it."))
    approvable: Approvable | None = find_approvable(request.entity)
    record = _record_of(request)
    now = timezone.now()
    last = step >= request.step_count
    settles = decision != Decision.APPROVE or last
    new_status = FINAL_STATUS[Decision(decision)] if settles else RequestStatus.PENDING
    new_step = step if settles else step + 1
    with transaction.atomic():
        claimed = ApprovalRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING, current_step=step).update(
            status=new_status, current_step=new_step, finished_at=now if settles else None, updated_at=now)
        if not claimed:
            raise _already_decided()
        ApprovalTask.objects.filter(pk=task.pk).update(status=DECISION_TASK_STATUS[Decision(decision)],
                                                       comment=comment, decided_at=now)
        # A role step is settled by whoever of its holders decides first.
        ApprovalTask.objects.filter(request=request, step=step, status=TaskStatus.PENDING).update(
            status=TaskStatus.SKIPPED)
        if settles:
            ApprovalTask.objects.filter(request=request, status=TaskStatus.WAITING).update(
                status=TaskStatus.CANCELLED)
        else:
            ApprovalTask.objects.filter(request=request, step=new_step, status=TaskStatus.WAITING).update(
                status=TaskStatus.PENDING)
        before = {"status": request.status, "current_step": step}
        with _restored_on_error(request):
            request.status, request.current_step, request.updated_at = new_status, new_step, now
            request.finished_at = now if settles else None
            if approvable is not None and settles:
                hook = {Decision.APPROVE: approvable.on_approved, Decision.REJECT: approvable.on_rejected,
                        Decision.RETURN: approvable.on_returned}[Decision(decision)]
                _call(hook, record, request, actor)
        changes = audit.diff(before, {"status": new_status, "current_step": new_step})
        if comment:
            changes["comment"] = [None, comment]
        audit.record(actor, f"approval.{DECISION_TASK_STATUS[Decision(decision)]}", request, changes,
                     timeline=record or request, object_repr=request.title,
                     extra={"step": step, "decision": decision})
    events.emit(DECIDED, {"id": request.pk, "entity": request.entity, "object_id": request.object_id,
                          "step": step, "decision": decision, "status": new_status, "approver": actor.pk})
    if hasattr(request, "_prefetched_objects_cache"):
        request._prefetched_objects_cache.pop("tasks", None)
    return request


def approval_withdraw(*, actor, request: ApprovalRequest) -> ApprovalRequest:
    """The submitter takes the request back; the record returns to them (`on_withdrawn`, else `on_returned`)."""
    _require_signed_in(actor)
    if request.submitter_id is None or request.submitter_id != actor.pk:
        raise Forbidden(_("Only the person who submitted this request can withdraw it."))
    approvable = find_approvable(request.entity)
    record = _record_of(request)
    now = timezone.now()
    with transaction.atomic():
        claimed = ApprovalRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
            status=RequestStatus.WITHDRAWN, finished_at=now, updated_at=now)
        if not claimed:
            raise Conflict("already_decided", _("This request was already decided, so it can no longer be "
                                                "withdrawn. Reload to see it."))
        ApprovalTask.objects.filter(request=request, status__in=[TaskStatus.PENDING, TaskStatus.WAITING]).update(
            status=TaskStatus.CANCELLED)
        before = request.status
        with _restored_on_error(request):
            request.status, request.finished_at, request.updated_at = RequestStatus.WITHDRAWN, now, now
            if approvable is not None:
                _call(approvable.on_withdrawn or approvable.on_returned, record, request, actor)
        audit.record(actor, "approval.withdrawn", request, {"status": [before, RequestStatus.WITHDRAWN]},
                     timeline=record or request, object_repr=request.title)
    events.emit(WITHDRAWN, {"id": request.pk, "entity": request.entity, "object_id": request.object_id})
    if hasattr(request, "_prefetched_objects_cache"):
        request._prefetched_objects_cache.pop("tasks", None)
    return request
