"""Converting a qualified lead (线索转化) into a customer and contact, optionally with an opportunity.

The lead may instead be attached to a customer that already exists (adding only the contact, or
only the link). Its follow-ups are carried over to the customer with their original times and
authors; the lead records what it became and is read-only from then on. Everything happens in one
transaction: if any part is refused, nothing is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.activities.services import follow_up_carry_over
from guanxi.core import audit, events
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.permissions import require
from guanxi.customers import services as customer_services
from guanxi.customers.choices import CustomerKind
from guanxi.customers.models import Contact, Customer

from .. import errors
from ..choices import ConversionMode, LeadStatus
from ..models import Lead

# What the converting user may set on the new customer; everything else comes from the lead.
CUSTOMER_OVERRIDES = {"name", "kind", "industry", "grade"}
OPPORTUNITY_KEYS = {"name", "amount", "currency", "expected_close_date"}


@dataclass
class Conversion:
    """What a lead became."""

    lead: Lead
    customer: Customer
    contact: Contact | None
    opportunity: Any | None
    follow_ups: int


def _contact_phone_field(phone_e164: str) -> str:
    """A mobile number goes into the contact's mobile field, anything else into the phone field."""
    if not phone_e164:
        return "phone"
    number_type = phonenumbers.number_type(phonenumbers.parse(phone_e164))
    mobile = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    return "mobile" if number_type in mobile else "phone"


def _customer_data(lead: Lead, overrides: dict[str, Any]) -> dict[str, Any]:
    unknown = set(overrides) - CUSTOMER_OVERRIDES
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    individual = not lead.company
    data: dict[str, Any] = {
        "name": lead.company or lead.name,
        "kind": CustomerKind.INDIVIDUAL if individual else CustomerKind.COMPANY,
        "source": lead.source,
        "region": lead.region,
        "owner": lead.owner,
    }
    if individual:
        # A person is the customer: their phone and email are the customer's own.
        data.update(phone=lead.phone, email=lead.email)
    data.update({k: v for k, v in overrides.items() if v not in (None, "")})
    return data


def _contact_data(lead: Lead) -> dict[str, Any]:
    data: dict[str, Any] = {"name": lead.name, "title": lead.title, "email": lead.email}
    if lead.phone:
        data[_contact_phone_field(lead.phone_e164)] = lead.phone
    return data


def _opportunity(actor, lead: Lead, customer: Customer, contact: Contact | None, wanted: dict[str, Any]):
    from guanxi.sales.opportunities.services import opportunity_create

    unknown = set(wanted) - OPPORTUNITY_KEYS
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    data = {"name": wanted.get("name") or str(lead), **{k: v for k, v in wanted.items() if k != "name"},
            "customer": customer, "owner": lead.owner, "source": lead.source}
    return opportunity_create(actor=actor, data=data, contacts=[contact] if contact else None)


def _check(lead: Lead, mode: str, customer: Customer | None) -> None:
    if lead.is_converted:
        raise DomainError(errors.CONVERTED, _("This lead was converted already."))
    if lead.owner_id is None:
        raise DomainError(errors.UNOWNED, _("Claim or assign this lead before converting it."))
    if lead.status != LeadStatus.QUALIFIED:
        raise DomainError(errors.NOT_QUALIFIED, _("Only qualified leads can be converted; mark this one qualified "
                                                  "first."))
    if mode not in ConversionMode.values:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"mode": [_("Choose one of the available options.")]})
    if mode == ConversionMode.NEW_CUSTOMER and customer is not None:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"customer": [_("A new customer is created; do not choose an existing one.")]})
    if mode != ConversionMode.NEW_CUSTOMER and customer is None:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"customer": [_("Choose the customer to attach this lead to.")]})


def _mark_converting(actor, lead: Lead, expected_version: int | None) -> tuple:
    """The first step, a conditional update: of two people converting the same lead at once, one goes on
    and the other is told it changed meanwhile."""
    expected = expected_version if expected_version is not None else lead.version
    now = timezone.now()
    updated = Lead.objects.filter(pk=lead.pk, deleted_at__isnull=True, status=LeadStatus.QUALIFIED,
                                  version=expected).update(
        status=LeadStatus.CONVERTED, converted_at=now, converted_by_id=actor.pk, updated_at=now,
        version=F("version") + 1)
    if not updated:
        if not Lead.objects.filter(pk=lead.pk, deleted_at__isnull=True).exists():
            raise NotFound(_("This record was deleted by someone else meanwhile."))
        raise Conflict("conflict", _("Someone else changed this lead meanwhile. Reload it, then convert again."))
    return now, expected + 1


def lead_convert(*, actor, lead: Lead, mode: str = ConversionMode.NEW_CUSTOMER, customer: Customer | None = None,
                 customer_data: dict[str, Any] | None = None, opportunity: dict[str, Any] | None = None,
                 expected_version: int | None = None, confirmed: bool = False) -> Conversion:
    """Turn a qualified lead into a customer (`mode` new_customer), or attach it to the existing `customer`
    the actor can see (attach_contact adds the person as a contact; attach_link only records the link).

    `opportunity` ({name, amount, currency, expected_close_date}) also opens an opportunity. `confirmed`
    lets a new customer through the duplicate check where its policy only warns.
    """
    require(actor, "leads.convert", lead, edit=True)
    _check(lead, mode, customer)
    if customer is not None and not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotFound()
    with transaction.atomic():
        converted_at, version = _mark_converting(actor, lead, expected_version)
        # Read after marking: a follow-up logged meanwhile waits for the lead's row and is then refused.
        follow_ups = list(lead.follow_ups.select_related("author").order_by("occurred_at", "id"))
        if mode == ConversionMode.NEW_CUSTOMER:
            customer = _create_customer(actor, lead, customer_data or {}, confirmed=confirmed)
        assert customer is not None
        contact = None
        if mode != ConversionMode.ATTACH_LINK:
            # On a new customer the person's phone and email are checked against other customers'
            # contacts; attaching to a customer the user chose needs no such warning.
            new = mode == ConversionMode.NEW_CUSTOMER
            contact = customer_services.contact_create(actor=actor, customer=customer, data=_contact_data(lead),
                                                       check_duplicates=new, confirm_duplicate=confirmed)
        deal = _opportunity(actor, lead, customer, contact, opportunity) if opportunity else None
        carried = follow_up_carry_over(actor=actor, customer=customer, entries=[
            {"kind": f.kind, "content": f.content, "occurred_at": f.occurred_at,
             "next_follow_up_at": f.next_follow_up_at, "author": f.author, "contact": contact,
             "origin": f"lead:{lead.pk}"}
            for f in follow_ups
        ])
        Lead.objects.filter(pk=lead.pk).update(converted_customer=customer, converted_contact=contact,
                                               converted_opportunity=deal)
        # Only the status: the lead's timeline is read by people who may not see the customer it became.
        changes = {"status": [LeadStatus.QUALIFIED, LeadStatus.CONVERTED]}
        audit.record(actor, "lead.converted", lead, changes,
                     extra={"mode": mode, "customer": customer.pk, "contact": contact.pk if contact else None,
                            "opportunity": deal.pk if deal else None, "follow_ups": carried})
    # The caller's lead changes only once everything is saved: a refused conversion leaves it as it was.
    lead.status, lead.converted_at, lead.converted_by, lead.version = LeadStatus.CONVERTED, converted_at, actor, version
    lead.converted_customer, lead.converted_contact, lead.converted_opportunity = customer, contact, deal
    events.emit("lead.converted", {"id": lead.pk, "customer": customer.pk, "contact": contact.pk if contact else None,
                                   "opportunity": deal.pk if deal else None})
    return Conversion(lead, customer, contact, deal, carried)


def _create_customer(actor, lead: Lead, overrides: dict[str, Any], *, confirmed: bool) -> Customer:
    """The lead is already marked converted, so the collision check no longer finds the lead itself,
    only other customers and other sellers' leads for the same party."""
    return customer_services.customer_create(actor=actor, data=_customer_data(lead, overrides),
                                             check_duplicates=True, confirm_duplicate=confirmed)
