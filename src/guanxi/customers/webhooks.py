"""Customers and contacts as webhook resources (automation.webhooks): each event carries the record as
GET /customers/{id} and GET /contacts/{id} answer. Registered from CustomersConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from guanxi.automation.webhooks.registry import api_view, register_webhook_resource
from guanxi.core.system import SYSTEM

from . import selectors
from .models import Contact, Customer
from .schemas import ContactOut, CustomerOut


def register() -> None:
    register_webhook_resource(
        "customer", model=Customer, label=_("Customer"), serialize=api_view(CustomerOut),
        load=lambda pk: selectors.customer_get(actor=SYSTEM, id=pk),
        events=["created", "updated", "deleted", "restored", "transferred", "claimed", "assigned_from_pool",
                "returned_to_pool", "merged", "unmerged"],
    )
    register_webhook_resource(
        "contact", model=Contact, label=_("Contact"), serialize=api_view(ContactOut),
        load=lambda pk: selectors.contact_get(actor=SYSTEM, id=pk),
        events=["created", "updated", "deleted", "merged", "unmerged"],
    )
