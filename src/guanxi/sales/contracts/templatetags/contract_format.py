"""Amounts and the contract's history in templates: `{{ amount|money:currency }}`, `{{ event|contract_action }}`."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.models import AuditEvent

from ..formatting import money_text

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    return money_text(amount, currency)


ACTIONS = {
    "contract.created": gettext_lazy("created the contract"),
    "contract.updated": gettext_lazy("changed the contract"),
    "contract.submitted": gettext_lazy("submitted it for approval"),
    "contract.activated": gettext_lazy("brought it into force"),
    "contract.rejected": gettext_lazy("rejected it"),
    "contract.returned": gettext_lazy("sent it back for changes"),
    "contract.withdrawn": gettext_lazy("withdrew the approval request"),
    "contract.terminated": gettext_lazy("terminated it"),
    "contract.expired": gettext_lazy("marked it expired"),
    "contract.collaborator_set": gettext_lazy("changed the team"),
    "contract.collaborator_removed": gettext_lazy("changed the team"),
    "contract.attachments_added": gettext_lazy("attached files"),
    "contract.attachment_deleted": gettext_lazy("deleted a file"),
    "instalment.created": gettext_lazy("added an instalment"),
    "instalment.updated": gettext_lazy("changed an instalment"),
    "instalment.deleted": gettext_lazy("deleted an instalment"),
    "payment.recorded": gettext_lazy("recorded a payment"),
    "payment.reversed": gettext_lazy("reversed a payment"),
    # What the approval engine records on the contract's timeline.
    "approval.submitted": gettext_lazy("started the approval"),
    "approval.approved": gettext_lazy("approved a step"),
    "approval.rejected": gettext_lazy("rejected it"),
    "approval.returned": gettext_lazy("sent it back for changes"),
    "approval.withdrawn": gettext_lazy("withdrew the approval request"),
}
# Events whose record text says more than the action: which payment.
WITH_RECORD = {"payment.recorded", "payment.reversed"}


@register.filter
def contract_action(event: AuditEvent) -> str:
    """What happened, in words of the reader's language; a payment says which one."""
    label = ACTIONS.get(event.action)
    text = str(label) if label is not None else event.action
    facts = event.extra or {}
    if event.action in WITH_RECORD and facts.get("amount"):
        which = _("%(amount)s received on %(day)s") % {
            "amount": money_text(Decimal(facts["amount"]), facts.get("currency", "")),
            "day": facts.get("received_on", "")}
        return f"{text} · {which}"
    return text


@register.filter
def contract_comment(event: AuditEvent) -> str:
    """The words that came with an event: an approver's or submitter's comment, a reason."""
    extra, changes = event.extra or {}, event.changes or {}
    if extra.get("comment"):
        return str(extra["comment"])
    for field in ("comment", "reversal_reason", "termination_reason"):
        pair = changes.get(field)
        if isinstance(pair, list) and len(pair) == 2 and pair[1]:
            return str(pair[1])
    return ""
