"""Every read of leads, their follow-ups and the assignment rules, bounded by the actor's data scope.

Leads with no owner (the lead pool) are visible to everyone who may view leads (models.LeadQuerySet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from guanxi.core.audit import timeline_key
from guanxi.core.errors import NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.paging import Page, keyset_page
from guanxi.core.permissions import require
from guanxi.core.scopes import owner_scope_q
from guanxi.customers.models import Customer
from guanxi.dataquality.collisions import Collision, find_collisions
from guanxi.sales.opportunities.models import Opportunity

from .choices import OPEN_STATUSES
from .filters import LeadFilters
from .models import AssignmentRule, AssignmentRuleMember, Lead, LeadFollowUp

MAX_MATCHES = 20


def lead_list(*, actor, filters: LeadFilters | None = None) -> QuerySet[Lead]:
    filters = filters or LeadFilters()
    return filters.apply(Lead.objects.visible_to(actor), actor=actor).select_related("owner", "department")


def lead_page(*, actor, filters: LeadFilters, cursor: str | None, limit: int = 50) -> Page:
    limit = max(1, min(limit, 200))
    return keyset_page(lead_list(actor=actor, filters=filters), filters.ordering, cursor, limit)


def lead_get(*, actor, id: int) -> Lead:
    lead = (Lead.objects.visible_to(actor)
            .select_related("owner", "department", "created_by", "converted_by", "converted_customer",
                            "converted_contact", "converted_opportunity")
            .filter(pk=id).first())
    if lead is None:
        raise NotFound()
    return lead


def lead_can_edit(*, actor, lead: Lead) -> bool:
    return (not lead.is_converted and actor.has_action("leads.edit")
            and Lead.objects.editable_by(actor).filter(pk=lead.pk).exists())


def lead_can_claim(*, actor, lead: Lead) -> bool:
    return lead.owner_id is None and lead.status in OPEN_STATUSES and actor.has_action("leads.view")


def lead_recycle_bin(*, actor) -> QuerySet[Lead]:
    return (Lead.objects.deleted().within_scope(actor).select_related("owner", "deleted_by")
            .order_by("-deleted_at", "-id"))


def lead_deleted_get(*, actor, id: int) -> Lead:
    lead = Lead.objects.deleted().within_scope(actor).filter(pk=id).first()
    if lead is None:
        raise NotFound()
    return lead


def lead_owner_choices(*, actor) -> QuerySet:
    """Active users whose leads the actor can see: owner pickers, assignment and rule teams offer only these."""
    users = get_user_model().objects.filter(is_active=True).select_related("department").order_by(
        "display_name", "username")
    reach = owner_scope_q(actor, "leads", owner_field="pk")
    return users if reach is None else users.filter(reach)


# -- follow-ups and the timeline --


def lead_follow_ups(*, actor, lead: Lead) -> QuerySet[LeadFollowUp]:
    return LeadFollowUp.objects.visible_to(actor).filter(lead=lead).select_related("author")


def lead_follow_up_get(*, actor, id: int) -> LeadFollowUp:
    follow_up = LeadFollowUp.objects.visible_to(actor).select_related("lead", "author").filter(pk=id).first()
    if follow_up is None:
        raise NotFound()
    return follow_up


@dataclass
class TimelineEntry:
    at: dt.datetime
    kind: str  # "follow_up" or "audit"
    item: Any


def lead_timeline(*, actor, lead: Lead, limit: int = 100) -> list[TimelineEntry]:
    """Follow-ups and audited changes of a lead, newest first."""
    if not Lead.objects.visible_to(actor).filter(pk=lead.pk).exists():
        raise NotFound()
    follow_ups = list(lead_follow_ups(actor=actor, lead=lead)[:limit])
    changes = list(AuditEvent.objects.filter(timeline_key=timeline_key(lead))
                   .exclude(action__startswith="lead_follow_up.").select_related("actor")[:limit])
    entries = [TimelineEntry(f.occurred_at, "follow_up", f) for f in follow_ups]
    entries += [TimelineEntry(e.created_at, "audit", e) for e in changes]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


# -- conversion --


@dataclass
class ConversionCandidates:
    """Customers that may already be this lead's: those the actor can see, to attach to, and who
    follows the others ("已被 王芳（销售二部）跟进"), with nothing else about them."""

    customers: list[Customer]
    hidden: list[Collision]


def lead_conversion_candidates(*, actor, lead: Lead) -> ConversionCandidates:
    """Customers with the same phone or email (on the customer or one of its contacts) or the same
    company name, as the collision check (防撞单) matches them, plus exact name matches."""
    found = find_collisions(actor=actor, name=lead.company or lead.name, phone=lead.phone, email=lead.email,
                            exclude=lead)
    wanted = {c.record_id for c in found if c.visible and c.kind == "customer"}
    wanted |= {c.record.customer_id for c in found if c.visible and c.kind == "contact"}
    condition = Q(pk__in=wanted)
    name = (lead.company or lead.name).strip()
    if name:
        condition |= Q(name=name)
    customers = list(Customer.objects.visible_to(actor).filter(condition).select_related("owner", "department")
                     .order_by("-id")[:MAX_MATCHES])
    hidden = [c for c in found if not c.visible and c.kind in ("customer", "contact")]
    return ConversionCandidates(customers=customers, hidden=hidden)


def lead_outcome_visible(*, actor, lead: Lead) -> dict[str, bool]:
    """Which of the customer, contact and opportunity a converted lead became the actor may open."""
    customer = bool(lead.converted_customer_id) and actor.has_action("customers.view") and (
        Customer.objects.visible_to(actor).filter(pk=lead.converted_customer_id).exists())
    opportunity = bool(lead.converted_opportunity_id) and actor.has_action("opportunities.view") and (
        Opportunity.objects.visible_to(actor).filter(pk=lead.converted_opportunity_id).exists())
    return {"customer": customer, "contact": customer and bool(lead.converted_contact_id), "opportunity": opportunity}


def lead_converted_from(*, actor, customer: Customer) -> QuerySet[Lead]:
    """The leads that were converted into this customer, as far as the actor can see them."""
    return (Lead.objects.visible_to(actor).filter(converted_customer=customer)
            .select_related("owner", "converted_by").order_by("-converted_at", "-id"))


# -- assignment rules --


def rule_list(*, actor) -> QuerySet[AssignmentRule]:
    require(actor, "leads.assign")
    members = AssignmentRuleMember.objects.select_related("user").order_by("position", "id")
    return AssignmentRule.objects.order_by("position", "id").prefetch_related(
        Prefetch("memberships", queryset=members, to_attr="team"))


def rule_get(*, actor, id: int) -> AssignmentRule:
    rule = rule_list(actor=actor).filter(pk=id).first()
    if rule is None:
        raise NotFound()
    return rule
