"""The "Opportunities" block of the customer page, added through customers' section registry."""

from __future__ import annotations

from .. import selectors

SHOWN = 20


def customer_section(request, customer) -> dict:
    actor = request.user
    if not actor.has_action("opportunities.view"):
        return {"visible": False}
    return {
        "visible": True,
        "customer": customer,
        "opportunities": selectors.customer_opportunities(actor=actor, customer=customer, limit=SHOWN),
        "shown": SHOWN,
        "can_create": actor.has_action("opportunities.create"),
    }
