"""REST API of approvals (审批): my inbox, a request, deciding and withdrawing; flows for those who
configure them. The same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams
from guanxi.core.api_schemas import Id, errors, pick
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.errors import DomainError
from guanxi.core.paging import keyset_page
from guanxi.core.permissions import require
from guanxi.org.models import Role, User

from . import selectors, services
from .approvers import step_detail, step_title
from .models import ApprovalFlow, ApprovalRequest
from .registry import approvables, find_approvable
from .schemas import (
    ApprovalRequestOut,
    DecisionIn,
    EntityOut,
    FlowIn,
    FlowOut,
    FlowPatch,
    InboxQuery,
    StepIn,
)

router = Router()

MANAGE = "automation.manage_approvals"
ORDERING = ["-id"]
# Service field names of a step and the API's names for them.
STEP_FIELDS = {"user": "user_id", "role": "role_id"}


def _request_out(actor, approval: ApprovalRequest) -> dict[str, Any]:
    view = selectors.approval_request_view(actor=actor, request=approval)
    return {
        "id": approval.pk, "entity": approval.entity, "entity_name": view.entity_name,
        "object_id": approval.object_id, "title": approval.title, "url": view.url, "flow_name": approval.flow_name,
        "status": approval.status, "current_step": approval.current_step, "step_count": approval.step_count,
        "facts": approval.facts or {}, "submitter": approval.submitter, "comment": approval.comment,
        "created_at": approval.created_at, "finished_at": approval.finished_at,
        "steps": [{"number": s.number, "title": s.title, "status": s.status, "tasks": s.tasks} for s in view.steps],
        "waiting_for": view.approvers, "can_decide": view.can_decide, "can_withdraw": view.can_withdraw,
    }


@router.get("/approvals/inbox", response={200: PageOut[ApprovalRequestOut], **errors(400, 422)},
            tags=["approvals"], summary=_("My approvals inbox"))
def inbox(request, query: Query[InboxQuery], paging: Query[PageParams]):
    """Requests waiting for my decision, submitted by me, or decided by me; newest first."""
    page = keyset_page(selectors.approval_inbox(actor=request.auth, box=query.box), ORDERING,
                       paging.cursor or None, paging.limit)
    return {"items": [_request_out(request.auth, r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/approvals/requests/{request_id}", response={200: ApprovalRequestOut, **errors(404, 422)},
            tags=["approvals"], summary=_("Get an approval request"))
def get_request(request, request_id: Id):
    """Seen by its submitter, its approvers, and whoever can see its record."""
    return _request_out(request.auth, selectors.approval_request_get(actor=request.auth, id=request_id))


@router.post("/approvals/requests/{request_id}/decide",
             response={200: ApprovalRequestOut, **errors(400, 403, 404, 409, 422)}, tags=["approvals"],
             summary=_("Decide an approval request"))
def decide(request, request_id: Id, payload: DecisionIn):
    """Approve, reject or send back the current step; only its approvers may (403 otherwise). A comment is
    required to reject or send back. 409 when someone else decided the step first."""
    approval = selectors.approval_request_get(actor=request.auth, id=request_id)
    services.approval_decide(actor=request.auth, request=approval, decision=payload.decision,
                             comment=payload.comment)
    return _request_out(request.auth, selectors.approval_request_get(actor=request.auth, id=request_id))


@router.post("/approvals/requests/{request_id}/withdraw",
             response={200: ApprovalRequestOut, **errors(403, 404, 409, 422)}, tags=["approvals"],
             summary=_("Withdraw an approval request"))
def withdraw(request, request_id: Id):
    """Only the submitter, while it is under way."""
    approval = selectors.approval_request_get(actor=request.auth, id=request_id)
    services.approval_withdraw(actor=request.auth, request=approval)
    return _request_out(request.auth, selectors.approval_request_get(actor=request.auth, id=request_id))


# -- flows --


@router.get("/approvals/entities", response={200: list[EntityOut], **errors(403)}, tags=["approval flows"],
            summary=_("Record types that can be approved"))
def list_entities(request):
    require(request.auth, MANAGE)
    return [{"entity": a.label, "name": str(a.verbose_name),
             "facts": [{"name": n, "label": label} for n, label in a.fact_choices()]} for a in approvables()]


def _flow_out(flow: ApprovalFlow) -> dict[str, Any]:
    approvable = find_approvable(flow.entity)
    return {
        "id": flow.pk, "entity": flow.entity,
        "entity_name": str(approvable.verbose_name) if approvable else flow.entity,
        "name": flow.name, "is_active": flow.is_active, "position": flow.position,
        "conditions": [{**c, "fact_label": approvable.fact_label(c["fact"]) if approvable else c["fact"]}
                       for c in flow.conditions or []],
        "steps": [{"number": s.position, "kind": s.kind, "name": s.name,
                   "title": step_title(s.kind, s.name, step_detail(s)), "user": s.user, "role": s.role,
                   "levels": s.levels} for s in flow.steps.all()],
        "version": flow.version, "created_at": flow.created_at, "updated_at": flow.updated_at,
    }


def _steps(steps: list[StepIn]) -> list[dict[str, Any]]:
    users = User.objects.filter(is_active=True)
    out = []
    for i, step in enumerate(steps):
        out.append({"kind": step.kind, "name": step.name, "levels": step.levels,
                    "user": pick(users, step.user_id, f"steps.{i}.user_id"),
                    "role": pick(Role.objects.all(), step.role_id, f"steps.{i}.role_id")})
    return out


def _api_field_names(exc: DomainError) -> DomainError:
    """A step's `user`/`role` errors named as the API's `user_id`/`role_id`."""
    renamed = {}
    for key, messages in exc.errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "steps" and parts[2] in STEP_FIELDS:
            key = f"steps.{parts[1]}.{STEP_FIELDS[parts[2]]}"
        renamed[key] = messages
    exc.errors = renamed
    return exc


@router.get("/approvals/flows", response={200: list[FlowOut], **errors(403, 422)}, tags=["approval flows"],
            summary=_("List approval flows"))
def list_flows(request, entity: str = Query("", max_length=64)):
    """In the order they are tried: by record type, then priority."""
    return [_flow_out(f) for f in selectors.approval_flow_list(actor=request.auth, entity=entity or None)]


@router.get("/approvals/flows/{flow_id}", response={200: FlowOut, **errors(403, 404, 422)},
            tags=["approval flows"], summary=_("Get an approval flow"))
def get_flow(request, flow_id: Id):
    return _flow_out(selectors.approval_flow_get(actor=request.auth, id=flow_id))


@router.post("/approvals/flows", response={201: FlowOut, **errors(400, 403, 422)}, tags=["approval flows"],
             summary=_("Create an approval flow"))
def create_flow(request, payload: FlowIn):
    require(request.auth, MANAGE)
    try:
        flow = services.approval_flow_create(
            actor=request.auth, data=payload.model_dump(include={"entity", "name", "is_active", "position"}),
            conditions=[c.model_dump() for c in payload.conditions], steps=_steps(payload.steps))
    except DomainError as exc:
        raise _api_field_names(exc) from None
    return Status(201, _flow_out(selectors.approval_flow_get(actor=request.auth, id=flow.pk)))


@router.patch("/approvals/flows/{flow_id}", response={200: FlowOut, **errors(400, 403, 404, 409, 422)},
              tags=["approval flows"], summary=_("Update an approval flow"))
def update_flow(request, flow_id: Id, payload: FlowPatch):
    """`conditions` and `steps`, when sent, replace the flow's own. Requests under way keep their approvers."""
    flow = selectors.approval_flow_get(actor=request.auth, id=flow_id)
    sent = payload.model_dump(exclude_unset=True)
    try:
        services.approval_flow_update(
            actor=request.auth, flow=flow,
            data={k: v for k, v in sent.items() if k in ("name", "is_active", "position")},
            conditions=sent.get("conditions"),
            steps=_steps(payload.steps) if "steps" in sent else None, version=payload.version)
    except DomainError as exc:
        raise _api_field_names(exc) from None
    return _flow_out(selectors.approval_flow_get(actor=request.auth, id=flow_id))


@router.delete("/approvals/flows/{flow_id}", response={204: None, **errors(403, 404, 422)},
               tags=["approval flows"], summary=_("Delete an approval flow"))
def delete_flow(request, flow_id: Id):
    """Requests it started carry on with the approvers they were given."""
    services.approval_flow_delete(actor=request.auth, flow=selectors.approval_flow_get(actor=request.auth,
                                                                                        id=flow_id))
    return Status(204, None)
