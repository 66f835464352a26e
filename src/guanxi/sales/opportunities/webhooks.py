"""Opportunities as webhook resources (automation.webhooks): each event carries the record as GET /opportunities/{id}
answers. Registered from OpportunitiesConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from guanxi.automation.webhooks.registry import api_view, register_webhook_resource
from guanxi.core.system import SYSTEM

from . import selectors
from .models import Opportunity
from .schemas import OpportunityOut


def register() -> None:
    register_webhook_resource(
        "opportunity", model=Opportunity, label=_("Opportunity"), serialize=api_view(OpportunityOut),
        load=lambda pk: selectors.opportunity_get(actor=SYSTEM, id=pk),
        events=["created", "updated", "moved", "won", "lost", "transferred", "deleted", "restored"],
    )
