"""The opportunity page: details, product lines, contacts, team, stage history with the time spent
in each stage, the move form, and the sections other apps add.

Apps above opportunities (quotes, contracts) add a block with `register_opportunity_section` from
their `AppConfig.ready()`, so this app never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.customers.forms import CollaboratorForm
from guanxi.customers.views.common import guarded
from guanxi.customers.views.listing import custom_display
from guanxi.sales.products import selectors as product_selectors

from .. import selectors, services
from ..forms import LineForm, MoveForm
from ..models import Opportunity

ENTITY = "opportunities.opportunity"


@dataclass(frozen=True)
class OpportunitySection:
    """A block of the opportunity page: a template and the context it needs."""

    name: str
    template: str
    context: Callable[[Any, Opportunity], dict]


_SECTIONS: dict[str, OpportunitySection] = {}


def register_opportunity_section(name: str, template: str, context_fn: Callable[[Any, Opportunity], dict]) -> None:
    """Add a block to the opportunity page; `context_fn(request, opportunity) -> dict` is shown to
    `template` as `section`."""
    _SECTIONS[name] = OpportunitySection(name, template, context_fn)


def duration_text(seconds: int) -> str:
    """3 d 4 h, 5 h 12 min, 40 min: the two largest units."""
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


def detail_context(request, opportunity: Opportunity, *, line_form: LineForm | None = None,
                   move_form: MoveForm | None = None) -> dict:
    actor = request.user
    can_edit = selectors.opportunity_can_edit(actor=actor, opportunity=opportunity)
    definitions = customfields.definitions(ENTITY)
    collaborators = list(selectors.opportunity_collaborators(opportunity=opportunity))
    collaborator_form = None
    stays = selectors.opportunity_stage_history(opportunity=opportunity)
    if can_edit:
        users = selectors.opportunity_collaborator_choices(opportunity=opportunity).exclude(
            pk__in=[c.user_id for c in collaborators])
        collaborator_form = CollaboratorForm(users=users)
        stages = list(selectors.pipeline_stages(pipeline=opportunity.pipeline).select_related("pipeline"))
        move_form = move_form or MoveForm(stages=stages, reasons=selectors.lost_reason_list(),
                                          initial={"stage": opportunity.stage_id, "version": opportunity.version})
        line_form = line_form or LineForm(products=product_selectors.product_choices(actor=actor),
                                          initial={"version": opportunity.version, "quantity": 1})
    lines = list(opportunity.lines.all())
    return {
        "o": opportunity,
        "lines": lines,
        "contacts": list(opportunity.contacts.all()),
        "custom_fields": [(d.label, custom_display(d, (opportunity.custom or {}).get(d.key))) for d in definitions],
        "collaborators": collaborators,
        "collaborator_form": collaborator_form,
        "stays": [(stay, duration_text(stay.seconds)) for stay in stays],
        "stage_totals": [(stage, duration_text(seconds)) for stage, seconds in selectors.stage_totals(stays)],
        "can_edit": can_edit,
        "can_delete": can_edit and actor.has_action("opportunities.delete"),
        "move_form": move_form if can_edit else None,
        "line_form": line_form if can_edit else None,
        "sections": [(s.template, s.context(request, opportunity)) for s in _SECTIONS.values()],
    }


@guarded("opportunities.view")
def opportunity_detail(request, pk: int):
    opportunity = selectors.opportunity_get(actor=request.user, id=pk)
    return render(request, "opportunities/detail.html", detail_context(request, opportunity))


def _to_detail(opportunity: Opportunity, anchor: str = ""):
    return redirect(reverse("opportunities:detail", args=[opportunity.pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@guarded("opportunities.edit")
def line_add(request, pk: int):
    actor = request.user
    opportunity = selectors.opportunity_get(actor=actor, id=pk)
    form = LineForm(request.POST, products=product_selectors.product_choices(actor=actor))
    if form.is_valid():
        try:
            services.opportunity_add_line(actor=actor, opportunity=opportunity, line=form.line_data(),
                                          expected_version=form.cleaned_data.get("version"))
        except Conflict:
            form.add_error(None, _("Someone else changed this opportunity meanwhile. Reload it, then add the line "
                                   "again."))
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Product line added."))
            return _to_detail(opportunity, "lines")
    opportunity = selectors.opportunity_get(actor=actor, id=pk)
    return render(request, "opportunities/detail.html", detail_context(request, opportunity, line_form=form),
                  status=400)


@require_POST
@guarded("opportunities.edit")
def line_remove(request, pk: int, line_id: int):
    actor = request.user
    opportunity = selectors.opportunity_get(actor=actor, id=pk)
    try:
        services.opportunity_remove_line(actor=actor, opportunity=opportunity, line_id=line_id)
    except NotFound:
        messages.error(request, _("This line was already removed."))
    else:
        messages.success(request, _("Product line removed."))
    return _to_detail(opportunity, "lines")


@require_POST
@guarded("opportunities.edit")
def collaborator_add(request, pk: int):
    actor = request.user
    opportunity = selectors.opportunity_get(actor=actor, id=pk)
    form = CollaboratorForm(request.POST, users=selectors.opportunity_collaborator_choices(opportunity=opportunity))
    if not form.is_valid():
        messages.error(request, _("Choose a team member and their access."))
    else:
        user = form.cleaned_data["user"]
        try:
            services.opportunity_set_collaborator(actor=actor, opportunity=opportunity, user=user,
                                                  can_edit=form.cleaned_data["can_edit"])
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("%(user)s joined the team of this opportunity.") % {"user": user})
    return _to_detail(opportunity, "team")


@require_POST
@guarded("opportunities.edit")
def collaborator_remove(request, pk: int, user_id: int):
    actor = request.user
    opportunity = selectors.opportunity_get(actor=actor, id=pk)
    member = selectors.opportunity_collaborators(opportunity=opportunity).filter(user_id=user_id).first()
    if member is not None:
        services.opportunity_remove_collaborator(actor=actor, opportunity=opportunity, user=member.user)
        messages.success(request, _("%(user)s left the team of this opportunity.") % {"user": member.user})
    return _to_detail(opportunity, "team")
