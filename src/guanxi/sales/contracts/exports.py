"""Contracts (合同), overdue instalments (逾期回款) and payments (回款) as exports: each list's filters
and selector (the user's data scope), amounts as numbers with their currency."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.dataquality.exports.registry import DATE, DATETIME, MONEY, NUMBER, Column, register_export

from . import selectors
from .filters import OVERDUE_ORDERING, PAYMENT_ORDERING, ContractFilters, OverdueFilters, PaymentFilters


def contract_columns(actor) -> list[Column]:
    return [
        Column(_("ID"), lambda c: c.pk, NUMBER),
        Column(pgettext_lazy("document number", "Number"), lambda c: c.number),
        Column(pgettext_lazy("contract", "Title"), lambda c: c.title),
        Column(_("Customer"), lambda c: c.customer.name),
        Column(_("Opportunity"), lambda c: c.opportunity.name if c.opportunity_id else ""),
        Column(_("Quote"), lambda c: str(c.quote) if c.quote_id else ""),
        Column(_("Status"), lambda c: c.get_status_display()),
        Column(_("Currency"), lambda c: c.currency),
        Column(_("Amount"), lambda c: c.amount, MONEY),
        Column(_("Received"), lambda c: c.received_amount, MONEY),
        Column(_("Outstanding"), lambda c: c.amount - c.received_amount, MONEY),
        Column(_("Signing date"), lambda c: c.signed_on, DATE),
        Column(_("Start date"), lambda c: c.starts_on, DATE),
        Column(_("End date"), lambda c: c.ends_on, DATE),
        Column(_("Owner"), lambda c: str(c.owner or "")),
        Column(_("Department"), lambda c: str(c.department or "")),
        Column(_("Activated at"), lambda c: c.activated_at, DATETIME),
        Column(_("Terminated at"), lambda c: c.terminated_at, DATETIME),
        Column(_("Created"), lambda c: c.created_at, DATETIME),
    ]


def _overdue_rows(*, actor, filters: OverdueFilters):
    return selectors.receivable_overdue(actor=actor, filters=filters)


def overdue_columns(actor) -> list[Column]:
    return [
        Column(_("Contract"), lambda i: i.contract.number),
        Column(pgettext_lazy("contract", "Title"), lambda i: i.contract.title),
        Column(_("Customer"), lambda i: i.contract.customer.name),
        Column(_("Owner"), lambda i: str(i.contract.owner or "")),
        Column(_("Instalment"), lambda i: i.sequence, NUMBER),
        Column(_("Due date"), lambda i: i.due_on, DATE),
        # Read while the user's time zone is active, so "today" is theirs.
        Column(_("Days overdue"), lambda i: (timezone.localdate() - i.due_on).days, NUMBER),
        Column(_("Currency"), lambda i: i.contract.currency),
        Column(_("Amount"), lambda i: i.amount, MONEY),
        Column(_("Received"), lambda i: i.received_amount, MONEY),
        Column(_("Outstanding"), lambda i: i.amount - i.received_amount, MONEY),
        Column(_("Notes"), lambda i: i.notes),
    ]


def _payment_rows(*, actor, filters: PaymentFilters):
    return selectors.payment_list(actor=actor, filters=filters)


def payment_columns(actor) -> list[Column]:
    return [
        Column(_("ID"), lambda p: p.pk, NUMBER),
        Column(_("Received on"), lambda p: p.received_on, DATE),
        Column(_("Contract"), lambda p: p.contract.number),
        Column(_("Customer"), lambda p: p.contract.customer.name),
        Column(_("Instalment"), lambda p: p.instalment.sequence if p.instalment_id else None, NUMBER),
        Column(_("Currency"), lambda p: p.contract.currency),
        Column(_("Amount"), lambda p: p.amount, MONEY),
        Column(_("Method"), lambda p: p.get_method_display()),
        Column(_("Reference"), lambda p: p.reference),
        Column(_("Notes"), lambda p: p.notes),
        Column(_("Recorded by"), lambda p: str(p.recorded_by or "")),
        Column(_("Recorded at"), lambda p: p.created_at, DATETIME),
        Column(_("Reversed at"), lambda p: p.reversed_at, DATETIME),
        Column(_("Reversed by"), lambda p: str(p.reversed_by or "")),
        Column(_("Reversal reason"), lambda p: p.reversal_reason),
    ]


def register() -> None:
    from .views.listing import FILTER_LABELS

    register_export(
        "contracts", title=_("Contracts"), action="contracts.export", audit_action="contract.exported",
        filters_from_query=ContractFilters.from_query, rows=selectors.contract_list, columns=contract_columns,
        custom_fields="contracts.contract", filter_labels=FILTER_LABELS,
    )
    register_export(
        "receivables", title=_("Overdue receivables"), action="contracts.export", audit_action="receivable.exported",
        filters_from_query=OverdueFilters.from_query, rows=_overdue_rows, ordering=OVERDUE_ORDERING,
        columns=overdue_columns, filter_labels=FILTER_LABELS,
    )
    register_export(
        "payments", title=_("Payments"), action="contracts.export", audit_action="payment.exported",
        filters_from_query=PaymentFilters.from_query, rows=_payment_rows, ordering=PAYMENT_ORDERING,
        columns=payment_columns,
        filter_labels={"contract": _("Contract"), "customer": _("Customer"), "received_from": _("Received from"),
                       "received_to": _("Received until"), "include_reversed": _("Include reversed payments")},
    )
