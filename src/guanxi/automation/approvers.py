"""Who approves each step of a flow, found when a record is submitted: a named person, the
submitter's manager, a manager further up, or the holders of a role."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.core.errors import DomainError
from guanxi.org.models import User

from .choices import StepKind
from .models import ApprovalFlow, ApprovalStep

MAX_LEVELS = 10


@dataclass
class ResolvedStep:
    """A step with its approvers, ready to become tasks of a request."""

    number: int
    kind: str
    name: str
    detail: str
    approvers: list[User] = field(default_factory=list)


def step_title(kind: str, name: str, detail: str) -> str:
    """The step as people read it: the admin's name for it, or what kind of approver it asks for."""
    if name:
        return name
    if kind == StepKind.USER:
        return _("Approval by %(user)s") % {"user": detail}
    if kind == StepKind.MANAGER:
        return _("Submitter's manager")
    if kind == StepKind.MANAGER_CHAIN:
        levels = int(detail) if detail.isdigit() else 1
        return ngettext("Manager %(n)d level up", "Manager %(n)d levels up", levels) % {"n": levels}
    if kind == StepKind.ROLE:
        return _("Anyone with the role %(role)s") % {"role": detail}
    return detail


def step_detail(step: ApprovalStep) -> str:
    if step.kind == StepKind.USER:
        return str(step.user) if step.user is not None else ""
    if step.kind == StepKind.MANAGER_CHAIN:
        return str(step.levels)
    if step.kind == StepKind.ROLE:
        return step.role.name if step.role is not None else ""
    return ""


def _refuse(message: str) -> DomainError:
    return DomainError("approver_missing", message, {"__all__": [message]})


def _manager_up(submitter, levels: int, number: int) -> User:
    person = submitter
    seen = {getattr(submitter, "pk", None)}
    for level in range(1, levels + 1):
        manager = person.manager if getattr(person, "pk", None) else None
        if manager is None or manager.pk in seen:
            if level == 1:
                raise _refuse(_("Step %(n)d needs your manager to approve, but no manager is set for you. "
                                "Ask an administrator to set your manager, then submit again.") % {"n": number})
            raise _refuse(_("Step %(n)d needs the manager %(levels)d levels above you, but your chain of managers "
                            "ends after %(found)d. Ask an administrator to complete it, then submit again.")
                          % {"n": number, "levels": levels, "found": level - 1})
        if not manager.is_active:
            raise _refuse(_("Step %(n)d needs %(user)s to approve, but that account is deactivated. "
                            "Ask an administrator to update the managers, then submit again.")
                          % {"n": number, "user": manager})
        seen.add(manager.pk)
        person = manager
    return person


def resolve_steps(flow: ApprovalFlow, submitter) -> list[ResolvedStep]:
    """Every step with its approvers, or a DomainError the submitter can act on."""
    resolved = []
    for number, step in enumerate(flow.steps.select_related("user", "role").order_by("position"), start=1):
        approvers: list[User]
        if step.kind == StepKind.USER:
            if step.user is None or not step.user.is_active:
                raise _refuse(_("Step %(n)d of the flow “%(flow)s” names nobody who can approve any more. "
                                "Ask an administrator to fix the flow.") % {"n": number, "flow": flow.name})
            approvers = [step.user]
        elif step.kind == StepKind.MANAGER:
            approvers = [_manager_up(submitter, 1, number)]
        elif step.kind == StepKind.MANAGER_CHAIN:
            approvers = [_manager_up(submitter, max(1, min(step.levels, MAX_LEVELS)), number)]
        elif step.kind == StepKind.ROLE:
            holders = list(User.objects.filter(roles=step.role, is_active=True).order_by("pk")) if step.role else []
            # Four eyes: the submitter approves a role step only when nobody else holds the role.
            others = [u for u in holders if u.pk != getattr(submitter, "pk", None)]
            approvers = others or holders
            if not approvers:
                raise _refuse(_("Step %(n)d of the flow “%(flow)s” goes to a role nobody active holds. "
                                "Ask an administrator to fix the flow.") % {"n": number, "flow": flow.name})
        else:
            raise _refuse(_("Step %(n)d of the flow “%(flow)s” is not set up correctly. "
                            "Ask an administrator to fix the flow.") % {"n": number, "flow": flow.name})
        resolved.append(ResolvedStep(number, step.kind, step.name, step_detail(step), approvers))
    if not resolved:
        raise _refuse(_("The flow “%(flow)s” has no steps. Ask an administrator to fix the flow.")
                      % {"flow": flow.name})
    return resolved
