"""The customer page (客户 360°): details, team, contacts, and the sections other apps add.

Apps above customers (follow-ups and their timeline, later opportunities and contracts) add a
section with `register_detail_section` from their `AppConfig.ready()`, so this app never
imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import DomainError

from .. import masking, selectors, services
from ..forms import CollaboratorForm
from ..models import Customer
from .common import guarded
from .contacts import contacts_context
from .listing import custom_display


@dataclass(frozen=True)
class DetailSection:
    """A block of the customer page: a template and the context it needs.

    A lazy section is fetched by the browser when it scrolls into view, so every app that adds
    a block (opportunities, quotes, contracts…) does not slow down the page's first answer.
    """

    name: str
    template: str
    context: Callable[[Any, Customer], dict]
    lazy: bool = False
    title: object = ""
    action: str | None = None  # shown only to users whose roles grant it


_SECTIONS: dict[str, DetailSection] = {}


def register_detail_section(name: str, template: str, context: Callable[[Any, Customer], dict], *,
                            lazy: bool = False, title: object = "", action: str | None = None) -> None:
    """Add a block to the customer page; `lazy=True` loads it after the page, under `title`."""
    _SECTIONS[name] = DetailSection(name, template, context, lazy, title, action)


def _sections_for(actor) -> list[DetailSection]:
    return [s for s in _SECTIONS.values() if s.action is None or actor.has_action(s.action)]


def _section_entry(request, customer: Customer, section: DetailSection) -> tuple[str, dict]:
    if section.lazy:
        url = reverse("customers:section", args=[customer.pk, section.name])
        return "customers/includes/lazy_section.html", {"name": section.name, "title": section.title, "url": url}
    return section.template, section.context(request, customer)


def detail_context(request, customer: Customer) -> dict:
    actor = request.user
    can_edit = selectors.customer_can_edit(actor=actor, customer=customer)
    sensitive = masking.can_see_sensitive(actor)
    definitions = customfields.definitions("customers.customer")
    collaborators = list(selectors.customer_collaborators(customer=customer))
    collaborator_form = None
    if can_edit:
        users = selectors.customer_collaborator_choices(customer=customer).exclude(
            pk__in=[c.user_id for c in collaborators])
        collaborator_form = CollaboratorForm(users=users)
    return {
        "customer": customer,
        "phone": masking.phone_for(actor, customer.phone, sensitive=sensitive),
        "email": masking.email_for(actor, customer.email, sensitive=sensitive),
        "custom_fields": [(d.label, custom_display(d, (customer.custom or {}).get(d.key))) for d in definitions],
        "collaborators": collaborators,
        "collaborator_form": collaborator_form,
        "can_edit": can_edit,
        "can_delete": can_edit and actor.has_action("customers.delete"),
        "sections": [_section_entry(request, customer, s) for s in _sections_for(actor)],
        **contacts_context(request, customer, can_edit=can_edit, adding=request.GET.get("add_contact") == "1"),
    }


@guarded("customers.view")
def customer_detail(request, pk: int):
    customer = selectors.customer_get(actor=request.user, id=pk)
    return render(request, "customers/customer_detail.html", detail_context(request, customer))


@guarded("customers.view")
def customer_section(request, pk: int, name: str):
    """One lazy block of the customer page, for the browser to put in its placeholder."""
    customer = selectors.customer_get(actor=request.user, id=pk)
    section = next((s for s in _sections_for(request.user) if s.name == name), None)
    if section is None:
        raise Http404
    return render(request, section.template, {"section": section.context(request, customer), "customer": customer})


@require_POST
@guarded("customers.edit")
def collaborator_add(request, pk: int):
    actor = request.user
    customer = selectors.customer_get(actor=actor, id=pk)
    form = CollaboratorForm(request.POST, users=selectors.customer_collaborator_choices(customer=customer))
    if not form.is_valid():
        messages.error(request, _("Choose a team member and their access."))
    else:
        user = form.cleaned_data["user"]
        try:
            services.customer_set_collaborator(actor=actor, customer=customer, user=user,
                                               can_edit=form.cleaned_data["can_edit"])
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("%(user)s joined the team of this customer.") % {"user": user})
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#team")


@require_POST
@guarded("customers.edit")
def collaborator_remove(request, pk: int, user_id: int):
    actor = request.user
    customer = selectors.customer_get(actor=actor, id=pk)
    member = selectors.customer_collaborators(customer=customer).filter(user_id=user_id).first()
    if member is not None:
        services.customer_remove_collaborator(actor=actor, customer=customer, user=member.user)
        messages.success(request, _("%(user)s left the team of this customer.") % {"user": member.user})
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#team")
