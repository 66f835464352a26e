"""The "Contracts & receivables" block of the customer page and the "Contracts" block of the
opportunity page, registered from `ContractsConfig.ready()`."""

from __future__ import annotations

from django.utils import timezone

from guanxi.sales.opportunities.choices import OpportunityStatus

from .. import selectors
from ..filters import DEFAULT_ENDING_DAYS

SECTION_ROWS = 10


def customer_section(request, customer) -> dict:
    """The customer's contracts the viewer sees and what is still owed, per currency."""
    actor = request.user
    if not actor.has_action("contracts.view"):
        return {"visible": False}
    today = timezone.localdate()
    contracts = selectors.customer_contracts(actor=actor, customer=customer, limit=SECTION_ROWS + 1)
    more = len(contracts) > SECTION_ROWS
    # Most customers have no signed contract; their page is spared the two sums.
    signed = more or any(c.status in selectors.RECEIVABLE_STATUSES for c in contracts)
    return {
        "visible": True,
        "customer": customer,
        "contracts": contracts[:SECTION_ROWS],
        "more": more,
        "balances": selectors.receivable_balance(actor=actor, customer=customer, today=today) if signed else [],
        "today": today,
        "soon_days": DEFAULT_ENDING_DAYS,
        "can_create": actor.has_action("contracts.create"),
    }


def opportunity_section(request, opportunity) -> dict:
    actor = request.user
    if not actor.has_action("contracts.view"):
        return {"visible": False}
    return {
        "visible": True,
        "opportunity": opportunity,
        "contracts": selectors.opportunity_contracts(actor=actor, opportunity=opportunity),
        "today": timezone.localdate(),
        "soon_days": DEFAULT_ENDING_DAYS,
        "can_create": actor.has_action("contracts.create") and opportunity.status == OpportunityStatus.WON,
    }
