"""Contracts as webhook resources (automation.webhooks): each event carries the record as GET /contracts/{id}
answers. Registered from ContractsConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from guanxi.automation.webhooks.registry import api_view, register_webhook_resource
from guanxi.core.system import SYSTEM

from . import selectors
from .models import Contract
from .schemas import ContractDetailOut


def register() -> None:
    register_webhook_resource(
        "contract", model=Contract, label=_("Contract"), serialize=api_view(ContractDetailOut),
        load=lambda pk: selectors.contract_get(actor=SYSTEM, id=pk),
        events=["created", "updated", "deleted", "submitted", "activated", "rejected", "returned", "withdrawn",
                "terminated", "expired", "attachments_added", "attachment_deleted"],
    )
