"""Custom field (自定义字段) admin pages: definitions per entity, create, edit, deactivate."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import services as core_services
from guanxi.core.errors import DomainError
from guanxi.core.services import CUSTOM_FIELD_ENTITIES

from .. import selectors
from ..forms import CustomFieldCreateForm, CustomFieldEditForm
from .common import admin_page, show_error

ACTION = "org.manage_custom_fields"


@admin_page(ACTION)
def custom_field_list(request):
    definitions = list(selectors.custom_field_list(actor=request.user))
    groups = [{"entity": entity, "label": label, "fields": [d for d in definitions if d.entity == entity]}
              for entity, label in CUSTOM_FIELD_ENTITIES.items()]
    return render(request, "org/custom_field_list.html", {"groups": groups})


@admin_page(ACTION)
def custom_field_create(request):
    initial = {"entity": request.GET.get("entity", "")[:64]}
    form = CustomFieldCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            definition = core_services.custom_field_create(
                actor=request.user, entity=data["entity"], key=data["key"], label=data["label"], kind=data["kind"],
                choices=form.choice_list(), required=data["required"], position=data["position"] or 0,
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Field “%(label)s” was added.") % {"label": definition.label})
            return redirect("org:custom_field_list")
    return render(request, "org/custom_field_form.html", {"form": form, "definition": None},
                  status=400 if form.errors else 200)


@admin_page(ACTION)
def custom_field_edit(request, id: int):
    definition = selectors.custom_field_get(actor=request.user, id=id)
    initial = {"label": definition.label, "choices": "\n".join(definition.choices or []),
               "required": definition.required, "position": definition.position}
    form = CustomFieldEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            core_services.custom_field_update(actor=request.user, definition=definition, label=data["label"],
                                              choices=form.choice_list(), required=data["required"],
                                              position=data["position"] or 0, is_active=definition.is_active)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Field “%(label)s” was saved.") % {"label": definition.label})
            return redirect("org:custom_field_list")
    return render(request, "org/custom_field_form.html", {"form": form, "definition": definition},
                  status=400 if form.errors else 200)


@admin_page(ACTION)
@require_POST
def custom_field_deactivate(request, id: int):
    definition = selectors.custom_field_get(actor=request.user, id=id)
    core_services.custom_field_delete(actor=request.user, definition=definition)
    messages.success(request, _("Field “%(label)s” no longer shows; values already entered are kept.")
                     % {"label": definition.label})
    return redirect("org:custom_field_list")


@admin_page(ACTION)
@require_POST
def custom_field_reactivate(request, id: int):
    definition = selectors.custom_field_get(actor=request.user, id=id)
    core_services.custom_field_update(actor=request.user, definition=definition, label=definition.label,
                                      choices=definition.choices, required=definition.required,
                                      position=definition.position, is_active=True)
    messages.success(request, _("Field “%(label)s” shows again.") % {"label": definition.label})
    return redirect("org:custom_field_list")
