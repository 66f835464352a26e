"""Roles (角色) admin pages: a matrix of modules × actions, a data scope (数据权限) per module."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.permissions import all_actions, modules
from guanxi.core.scopes import DataScope

from .. import selectors, services
from ..forms import RoleForm
from .common import admin_page, show_error

ACTION = "org.manage_roles"


def _matrix(actions: set[str], scopes: dict[str, str]) -> list[dict]:
    """One row per module: its actions (ticked or not) and its chosen data scope."""
    by_module: dict[str, list] = {}
    for action in all_actions():
        by_module.setdefault(action.module, []).append(action)
    return [
        {
            "module": module,
            "label": label,
            "actions": [{"code": a.code, "label": a.label, "checked": a.code in actions}
                        for a in by_module.get(module, [])],
            "scope": scopes.get(module, ""),
        }
        for module, label in modules().items()
    ]


def _posted_grants(post) -> tuple[list[str], dict[str, str]]:
    actions = [code[:100] for code in post.getlist("actions")][:500]
    scopes = {module: post.get(f"scope_{module}", "")[:40] for module in modules() if post.get(f"scope_{module}")}
    return actions, scopes


@admin_page(ACTION)
def role_list(request):
    roles = selectors.role_list(actor=request.user)
    labels = {a.code: a.label for a in all_actions()}
    return render(request, "org/role_list.html", {"roles": roles, "action_labels": labels})


@admin_page(ACTION)
def role_edit(request, id: int | None = None):
    role = selectors.role_get(actor=request.user, id=id) if id is not None else None
    initial = ({"name": role.name, "description": role.description, "require_2fa": role.require_2fa}
               if role is not None else {})
    form = RoleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        actions, scopes = _posted_grants(request.POST)
    else:
        actions, scopes = (list(role.actions or []), dict(role.scopes or {})) if role is not None else ([], {})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.role_save(actor=request.user, role=role, name=form.cleaned_data["name"],
                                       description=form.cleaned_data["description"], actions=actions,
                                       scopes=scopes, require_2fa=form.cleaned_data["require_2fa"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Role “%(name)s” was saved.") % {"name": saved.name})
            return redirect("org:role_list")
    context = {
        "form": form,
        "role": role,
        "matrix": _matrix(set(actions), scopes),
        "scope_choices": DataScope.choices,
    }
    return render(request, "org/role_form.html", context, status=400 if form.errors else 200)


@admin_page(ACTION)
@require_POST
def role_delete(request, id: int):
    role = selectors.role_get(actor=request.user, id=id)
    services.role_delete(actor=request.user, role=role)
    messages.success(request, _("Role “%(name)s” was deleted.") % {"name": role.name})
    return redirect("org:role_list")
