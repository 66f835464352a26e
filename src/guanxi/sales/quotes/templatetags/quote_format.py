"""Quote history in words: what each audited step of a quote means to a reader."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy

from guanxi.core.models import AuditEvent

register = template.Library()

EVENTS = {
    "quote.created": gettext_lazy("created this version"),
    "quote.updated": gettext_lazy("changed the quote"),
    "quote.submitted": gettext_lazy("submitted the quote"),
    "quote.withdrawn": gettext_lazy("took the quote back from approval"),
    "quote.approved": gettext_lazy("approved the quote"),
    "quote.approved_automatically": gettext_lazy("no approval flow applies, so the quote is approved"),
    "quote.approval_rejected": gettext_lazy("refused approval; the quote is a draft again"),
    "quote.returned": gettext_lazy("sent the quote back for changes"),
    "quote.sent": gettext_lazy("marked the quote as sent"),
    "quote.accepted": gettext_lazy("marked the quote as accepted by the customer"),
    "quote.rejected": gettext_lazy("marked the quote as rejected by the customer"),
    "quote.revised": gettext_lazy("made a new version of the quote"),
}


@register.filter
def quote_event(event: AuditEvent) -> str:
    return str(EVENTS.get(event.action, event.action))
