"""Leads in the collision check (防撞单): their match key, and the finder the data-quality check calls
so that new customers and leads are checked against leads someone already works."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from guanxi.dataquality.collisions import excluded_ids
from guanxi.dataquality.normalise import company_name_key, normalise_email

from .choices import LeadStatus
from .models import Lead

MAX_FOUND = 20


def lead_name_key(lead: Lead) -> str:
    """The company's key. A lead without a company has none: a person's name alone (王伟) matches far too
    many strangers; their phone and email still match."""
    return company_name_key(lead.company) if lead.company else ""


def find_leads(*, name_key: str, phone_e164: str, email: str, exclude=None) -> list[Lead]:
    """Live leads with the same company key, phone or email, whoever owns them. Converted leads are left
    out: the customer they became is checked in their place."""
    condition = Q()
    if name_key:
        condition |= Q(name_key=name_key)
    if phone_e164:
        condition |= Q(phone_e164=phone_e164)
    if email := normalise_email(email):
        condition |= Q(email=email)
    if not condition:
        return []
    leads = Lead.objects.alive().filter(condition).exclude(status=LeadStatus.CONVERTED)
    if skip := excluded_ids(exclude, Lead):
        leads = leads.exclude(pk__in=skip)
    return list(leads.select_related("owner", "department").order_by("-id")[:MAX_FOUND])


def lead_url(lead: Lead) -> str:
    return reverse("leads:detail", args=[lead.pk])
