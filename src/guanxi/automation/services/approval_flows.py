"""Writes of approval flows (审批流程): create, edit (with their conditions and steps), delete.

Requests already under way keep the approvers they were given, so editing or deleting a flow
never changes them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, versioned_update
from guanxi.org.models import Role, User

from ..approvers import MAX_LEVELS, step_detail, step_title
from ..choices import StepKind
from ..conditions import clean_conditions, describe
from ..models import ApprovalFlow, ApprovalStep
from ..registry import Approvable, find_approvable

ACTION = "automation.manage_approvals"
FLOW_FIELDS = ["name", "is_active", "position"]
MAX_STEPS = 20


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    return DomainError("invalid", _("Please correct the errors below."), errors)


def _clean_flow(flow: ApprovalFlow, errors: dict[str, list[str]]) -> None:
    flow.name = (flow.name or "").strip()
    if not flow.name:
        errors.setdefault("name", []).append(_("Give the flow a name."))
    elif len(flow.name) > 80:
        errors.setdefault("name", []).append(_("At most %(n)d characters.") % {"n": 80})
    if not isinstance(flow.position, int) or isinstance(flow.position, bool) or not 0 <= flow.position <= 1_000_000:
        errors.setdefault("position", []).append(_("Enter a whole number from 0 to 1000000."))
    if not isinstance(flow.is_active, bool):
        errors.setdefault("is_active", []).append(_("Choose yes or no."))


def clean_steps(raw: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[ApprovalStep]:
    """Unsaved steps in order; problems go into `errors` under `steps.<n>.<field>`."""
    if not raw:
        errors.setdefault("steps", []).append(_("Add at least one step: who must approve."))
        return []
    if len(raw) > MAX_STEPS:
        errors.setdefault("steps", []).append(_("A flow has at most %(n)d steps.") % {"n": MAX_STEPS})
        return []
    steps = []
    for i, item in enumerate(raw):
        prefix = f"steps.{i}"
        kind = str(item.get("kind") or "")
        name = str(item.get("name") or "").strip()
        user, role, levels = item.get("user"), item.get("role"), item.get("levels")
        if kind not in StepKind.values:
            errors.setdefault(f"{prefix}.kind", []).append(_("Choose who approves this step."))
            continue
        if len(name) > 80:
            errors.setdefault(f"{prefix}.name", []).append(_("At most %(n)d characters.") % {"n": 80})
        if kind == StepKind.USER and not (isinstance(user, User) and user.is_active):
            errors.setdefault(f"{prefix}.user", []).append(_("Choose the person who approves this step."))
        if kind == StepKind.ROLE and not isinstance(role, Role):
            errors.setdefault(f"{prefix}.role", []).append(_("Choose the role whose holders approve this step."))
        if kind == StepKind.MANAGER_CHAIN:
            if not isinstance(levels, int) or isinstance(levels, bool) or not 1 <= levels <= MAX_LEVELS:
                errors.setdefault(f"{prefix}.levels", []).append(
                    _("Enter how many levels up, from 1 to %(n)d.") % {"n": MAX_LEVELS})
                levels = 1
        else:
            levels = 1
        steps.append(ApprovalStep(
            position=i + 1, kind=kind, name=name,
            user=user if kind == StepKind.USER and isinstance(user, User) else None,
            role=role if kind == StepKind.ROLE and isinstance(role, Role) else None,
            levels=levels,
        ))
    return steps


def _approvable(entity: str, errors: dict[str, list[str]]) -> Approvable | None:
    approvable = find_approvable(entity)
    if approvable is None:
        errors.setdefault("entity", []).append(_("Choose one of the record types that can be approved."))
    return approvable


def _summary(flow: ApprovalFlow, steps: list[ApprovalStep]) -> dict[str, Any]:
    """What the audit trail keeps of a flow: readable conditions and steps."""
    approvable = find_approvable(flow.entity)
    return {
        "name": flow.name, "is_active": flow.is_active, "position": flow.position,
        "conditions": [describe(c, approvable) for c in flow.conditions],
        "steps": [step_title(s.kind, s.name, step_detail(s)) for s in steps],
    }


def approval_flow_create(*, actor, data: dict[str, Any], conditions: list[dict[str, Any]],
                         steps: list[dict[str, Any]]) -> ApprovalFlow:
    """`data`: entity (a registered approvable), name, is_active, position.
    `conditions`: [{"fact", "operator", "value"}]; `steps`: [{"kind", "name", "user", "role", "levels"}]."""
    require(actor, ACTION)
    unknown = set(data) - {"entity", *FLOW_FIELDS}
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    errors: dict[str, list[str]] = {}
    entity = str(data.get("entity") or "")
    approvable = _approvable(entity, errors)
    flow = ApprovalFlow(entity=entity, name=data.get("name") or "", is_active=data.get("is_active", True),
                        position=data.get("position", 0),
                        created_by=actor if getattr(actor, "pk", None) else None)
    _clean_flow(flow, errors)
    flow.conditions = clean_conditions(approvable, conditions, errors)
    new_steps = clean_steps(steps, errors)
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        flow.save()
        for step in new_steps:
            step.flow = flow
        ApprovalStep.objects.bulk_create(new_steps)
        audit.record(actor, "approval_flow.created", flow, audit.diff({}, _summary(flow, new_steps)))
    events.emit("approval_flow.created", {"id": flow.pk, "entity": flow.entity})
    return flow


def approval_flow_update(*, actor, flow: ApprovalFlow, data: dict[str, Any],
                         conditions: list[dict[str, Any]] | None = None, steps: list[dict[str, Any]] | None = None,
                         version: int | None = None) -> ApprovalFlow:
    """Change name, active flag and priority in `data`; `conditions` and `steps`, when given,
    replace the flow's own. The record type is fixed once created. A stale `version` is refused."""
    require(actor, ACTION)
    old_steps = list(flow.steps.select_related("user", "role").order_by("position"))
    before_summary = _summary(flow, old_steps)
    changed_fields(flow, data, FLOW_FIELDS)
    errors: dict[str, list[str]] = {}
    _clean_flow(flow, errors)
    approvable = find_approvable(flow.entity)
    if conditions is not None:
        flow.conditions = clean_conditions(approvable, conditions, errors)
    new_steps = clean_steps(steps, errors) if steps is not None else None
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        try:
            versioned_update(flow, [*FLOW_FIELDS, "conditions"], version)
        except Conflict:
            if not ApprovalFlow.objects.filter(pk=flow.pk).exists():
                raise NotFound(_("This flow was deleted by someone else meanwhile.")) from None
            raise
        if new_steps is not None:
            flow.steps.all().delete()
            for step in new_steps:
                step.flow = flow
            ApprovalStep.objects.bulk_create(new_steps)
        changes = audit.diff(before_summary, _summary(flow, new_steps if new_steps is not None else old_steps))
        audit.record(actor, "approval_flow.updated", flow, changes)
    events.emit("approval_flow.updated", {"id": flow.pk, "entity": flow.entity})
    return flow


def approval_flow_delete(*, actor, flow: ApprovalFlow) -> None:
    """Requests the flow started keep going with the approvers they were given."""
    require(actor, ACTION)
    pk, entity = flow.pk, flow.entity
    with transaction.atomic():
        audit.record(actor, "approval_flow.deleted", flow, {"name": [flow.name, None]})
        flow.delete()
    events.emit("approval_flow.deleted", {"id": pk, "entity": entity})
