"""Approval flow (审批流程) admin pages: flows per record type, create, edit with conditions and steps, delete."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.org.models import Role, User

from .. import selectors, services
from ..approvers import step_detail, step_title
from ..conditions import describe
from ..forms import FlowEditor
from ..models import ApprovalFlow
from ..registry import Approvable, approvables, find_approvable
from .common import error_page, page

ACTION = "automation.manage_approvals"


def _users():
    return User.objects.filter(is_active=True).order_by("display_name", "username")


def _roles():
    return Role.objects.order_by("name")


def _flow_rows(flows: list[ApprovalFlow], approvable: Approvable | None) -> list[dict]:
    rows = []
    for flow in flows:
        steps = list(flow.steps.all())
        broken = [i for i, s in enumerate(steps, start=1)
                  if (s.kind == "user" and (s.user is None or not s.user.is_active))
                  or (s.kind == "role" and s.role is None)]
        rows.append({
            "flow": flow,
            "conditions": [describe(c, approvable) for c in flow.conditions or []],
            "steps": [step_title(s.kind, s.name, step_detail(s)) for s in steps],
            "broken": broken,
        })
    return rows


@page(ACTION)
def flow_list(request):
    flows = list(selectors.approval_flow_list(actor=request.user))
    registered = approvables()
    groups = [{"entity": a.label, "label": a.verbose_name,
               "rows": _flow_rows([f for f in flows if f.entity == a.label], a)} for a in registered]
    known = {a.label for a in registered}
    orphans = [f for f in flows if f.entity not in known]
    return render(request, "automation/flow_list.html", {"groups": groups, "orphans": _flow_rows(orphans, None)})


def _editor_page(request, editor: FlowEditor, flow: ApprovalFlow | None, status: int = 200):
    return render(request, "automation/flow_form.html",
                  {"editor": editor, "flow": flow, "approvable": editor.approvable}, status=status)


@page(ACTION)
def flow_create(request):
    entity = (request.GET.get("entity") or request.POST.get("entity") or "")[:64]
    approvable = find_approvable(entity)
    if approvable is None:
        choices = approvables()
        if len(choices) == 1:
            approvable = choices[0]
        else:
            return render(request, "automation/flow_entity.html", {"choices": choices})
    editor = FlowEditor(request.POST or None, approvable=approvable, users=_users(), roles=_roles(),
                        initial={"is_active": True, "position": 0})
    if request.method == "POST" and editor.is_valid():
        try:
            flow = services.approval_flow_create(actor=request.user, data={"entity": approvable.label,
                                                                           **editor.flow_data()},
                                                 conditions=editor.condition_data(), steps=editor.step_data())
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:
            editor.add_domain_error(exc)
        else:
            messages.success(request, _("Flow “%(name)s” was created.") % {"name": flow.name})
            return redirect("automation:flow_list")
    return _editor_page(request, editor, None, status=400 if request.method == "POST" else 200)


@page(ACTION)
def flow_edit(request, pk: int):
    flow = selectors.approval_flow_get(actor=request.user, id=pk)
    approvable = find_approvable(flow.entity)
    if approvable is None:
        return error_page(request, 404, _("Records of this kind no longer go through approval, so this flow "
                                          "cannot be edited; you may delete it."))
    steps = list(flow.steps.all())
    editor = FlowEditor(
        request.POST or None, approvable=approvable, users=_users(), roles=_roles(),
        initial={"name": flow.name, "is_active": flow.is_active, "position": flow.position, "version": flow.version},
        conditions=[dict(c) for c in flow.conditions or []],
        steps=[{"kind": s.kind, "name": s.name, "user": s.user_id, "role": s.role_id, "levels": s.levels,
                "ORDER": s.position} for s in steps],
    )
    if request.method == "POST" and editor.is_valid():
        try:
            services.approval_flow_update(actor=request.user, flow=flow, data=editor.flow_data(),
                                          conditions=editor.condition_data(), steps=editor.step_data(),
                                          version=editor.flow.cleaned_data.get("version"))
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:
            editor.add_domain_error(exc)
        else:
            messages.success(request, _("Flow “%(name)s” was saved.") % {"name": flow.name})
            return redirect("automation:flow_list")
    return _editor_page(request, editor, flow, status=400 if request.method == "POST" else 200)


@require_POST
@page(ACTION)
def flow_delete(request, pk: int):
    flow = selectors.approval_flow_get(actor=request.user, id=pk)
    name = flow.name
    services.approval_flow_delete(actor=request.user, flow=flow)
    messages.success(request, _("Flow “%(name)s” was deleted; requests it started carry on.") % {"name": name})
    return redirect("automation:flow_list")
