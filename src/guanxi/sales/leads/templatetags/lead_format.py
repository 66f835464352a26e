"""Lead events on the lead timeline in words; field changes reuse the customer timeline's `audit_changes`."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy

from guanxi.core.models import AuditEvent

register = template.Library()

ACTIONS = {
    "lead.created": gettext_lazy("created this lead"),
    "lead.updated": gettext_lazy("changed this lead"),
    "lead.deleted": gettext_lazy("moved this lead to the recycle bin"),
    "lead.restored": gettext_lazy("restored this lead from the recycle bin"),
    "lead.assigned": gettext_lazy("assigned this lead"),
    "lead.claimed": gettext_lazy("claimed this lead from the pool"),
    "lead.converted": gettext_lazy("converted this lead"),
}


@register.filter
def lead_action(event: AuditEvent) -> str:
    label = ACTIONS.get(event.action)
    if label is None:
        return event.action
    rule = (event.extra or {}).get("rule")
    if event.action == "lead.assigned" and rule:
        return str(gettext_lazy("assigned this lead by rule “%(rule)s”")) % {"rule": rule}
    return str(label)
