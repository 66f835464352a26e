"""Departments (部门) admin pages: the tree, create, rename, move and delete."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError

from .. import selectors, services
from ..forms import DepartmentForm
from .common import admin_page, show_error

ACTION = "org.manage_departments"


@admin_page(ACTION)
def department_list(request):
    departments = selectors.department_tree(actor=request.user)
    return render(request, "org/department_list.html", {"departments": departments})


@admin_page(ACTION)
def department_create(request):
    initial = {"parent": request.GET.get("parent")} if request.GET.get("parent", "").isdigit() else {}
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(actor=request.user, name=form.cleaned_data["name"],
                                                     parent=form.cleaned_data["parent"],
                                                     position=form.cleaned_data["position"] or 0)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Department “%(name)s” was created.") % {"name": department.name})
            return redirect("org:department_list")
    return render(request, "org/department_form.html", {"form": form, "department": None},
                  status=400 if form.errors else 200)


@admin_page(ACTION)
def department_edit(request, id: int):
    department = selectors.department_get(actor=request.user, id=id)
    initial = {"name": department.name, "parent": department.parent_id, "position": department.position}
    form = DepartmentForm(request.POST or None, initial=initial, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(actor=request.user, department=department, name=form.cleaned_data["name"],
                                       parent=form.cleaned_data["parent"],
                                       position=form.cleaned_data["position"] or 0)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Department “%(name)s” was saved.") % {"name": department.name})
            return redirect("org:department_list")
    return render(request, "org/department_form.html", {"form": form, "department": department},
                  status=400 if form.errors else 200)


@admin_page(ACTION)
@require_POST
def department_delete(request, id: int):
    department = selectors.department_get(actor=request.user, id=id)
    try:
        services.department_delete(actor=request.user, department=department)
    except DomainError as exc:
        messages.error(request, _("“%(name)s” was not deleted: %(reason)s")
                       % {"name": department.name, "reason": exc.message})
    else:
        messages.success(request, _("Department “%(name)s” was deleted.") % {"name": department.name})
    return redirect("org:department_list")
