"""Quotes as webhook resources (automation.webhooks): each event carries the record as GET /quotes/{id}
answers. Registered from QuotesConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from guanxi.automation.webhooks.registry import api_view, register_webhook_resource
from guanxi.core.system import SYSTEM

from . import selectors
from .models import Quote
from .schemas import QuoteOut


def register() -> None:
    register_webhook_resource(
        "quote", model=Quote, label=_("Quote"), serialize=api_view(QuoteOut),
        load=lambda pk: selectors.quote_get(actor=SYSTEM, id=pk),
        events=["created", "updated", "deleted", "submitted", "approved", "approval_rejected", "returned",
                "withdrawn", "sent", "accepted", "rejected", "revised"],
    )
