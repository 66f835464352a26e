"""Leads as webhook resources (automation.webhooks): each event carries the record as GET /leads/{id}
answers. Registered from LeadsConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from guanxi.automation.webhooks.registry import api_view, register_webhook_resource
from guanxi.core.system import SYSTEM

from . import selectors
from .models import Lead
from .schemas import LeadOut


def register() -> None:
    register_webhook_resource(
        "lead", model=Lead, label=_("Lead"), serialize=api_view(LeadOut),
        load=lambda pk: selectors.lead_get(actor=SYSTEM, id=pk),
        events=["created", "updated", "deleted", "restored", "assigned", "claimed", "converted"],
    )
