"""Every read of contracts, instalments, payments and receivables, bounded by the actor's data scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone

from guanxi.core.audit import timeline_key
from guanxi.core.errors import NotFound
from guanxi.core.models import AuditEvent, Collaborator
from guanxi.core.money import ZERO, round_money
from guanxi.core.paging import Page, keyset_page
from guanxi.core.scopes import owner_scope_q
from guanxi.customers.models import Customer
from guanxi.sales.opportunities.choices import OpportunityStatus
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.quotes.choices import QuoteStatus
from guanxi.sales.quotes.models import Quote

from .choices import ContractStatus
from .filters import (
    DEFAULT_ENDING_DAYS,
    ENDING_ORDERING,
    OVERDUE_ORDERING,
    PAYMENT_ORDERING,
    ContractFilters,
    OverdueFilters,
    PaymentFilters,
    ending_q,
)
from .models import Contract, ContractAttachment, Instalment, Payment

# Contracts whose instalments can fall overdue: signed ones still running or run out; a draft is not
# owed yet and a terminated contract is settled by its termination.
RECEIVABLE_STATUSES = [ContractStatus.ACTIVE, ContractStatus.EXPIRED]


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# -- contracts --


def contract_list(*, actor, filters: ContractFilters | None = None, today: dt.date | None = None) -> QuerySet[Contract]:
    filters = filters or ContractFilters()
    qs = filters.apply(Contract.objects.visible_to(actor), actor=actor, today=_today(today))
    return qs.select_related("customer", "owner", "department", "opportunity", "quote")


def contract_page(*, actor, filters: ContractFilters, cursor: str | None, limit: int = 50,
                  today: dt.date | None = None) -> Page:
    limit = max(1, min(limit, 200))
    return keyset_page(contract_list(actor=actor, filters=filters, today=today), filters.ordering, cursor, limit)


def contract_get(*, actor, id: int) -> Contract:
    contract = (Contract.objects.visible_to(actor)
                .select_related("customer", "owner", "department", "created_by", "opportunity", "quote")
                .filter(pk=id).first())
    if contract is None:
        raise NotFound()
    return contract


def contract_can_edit(*, actor, contract: Contract) -> bool:
    return actor.has_action("contracts.edit") and Contract.objects.editable_by(actor).filter(pk=contract.pk).exists()


def contract_ending(*, actor, days: int = DEFAULT_ENDING_DAYS, today: dt.date | None = None,
                    filters: ContractFilters | None = None) -> QuerySet[Contract]:
    """Contracts in force whose end date falls within `days` from today, soonest first."""
    day = _today(today)
    qs = contract_list(actor=actor, filters=filters, today=day).filter(ending_q(day, days))
    return qs.order_by(*ENDING_ORDERING)


def contract_ending_page(*, actor, days: int, cursor: str | None, limit: int = 50, today: dt.date | None = None,
                         filters: ContractFilters | None = None) -> Page:
    qs = contract_ending(actor=actor, days=days, today=today, filters=filters)
    return keyset_page(qs, ENDING_ORDERING, cursor, max(1, min(limit, 200)))


def contract_collaborators(*, contract: Contract) -> QuerySet[Collaborator]:
    ct = ContentType.objects.get_for_model(Contract)
    return Collaborator.objects.filter(content_type=ct, object_id=contract.pk).select_related("user")


def contract_collaborator_choices(*, contract: Contract) -> QuerySet:
    """Anyone active may join a contract's team (团队成员), as on customers."""
    users = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
    return users.exclude(pk=contract.owner_id) if contract.owner_id is not None else users


def contract_owner_choices(*, actor) -> QuerySet:
    """Active users whose contracts the actor can see, so a pick never moves a contract out of reach."""
    users = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
    reach = owner_scope_q(actor, "contracts", owner_field="pk")
    return users if reach is None else users.filter(reach)


def customer_choices(*, actor) -> QuerySet[Customer]:
    """Customers a contract may be made with: those the actor sees."""
    return Customer.objects.visible_to(actor).order_by("-id")


def customer_search(*, actor, q: str, limit: int = 20) -> list[Customer]:
    """The customer picker's suggestions: by name, pinyin, phone, as the customer list searches."""
    from guanxi.customers.filters import CustomerFilters
    from guanxi.customers.selectors import customer_list

    return list(customer_list(actor=actor, filters=CustomerFilters(q=q.strip()[:100])).order_by("-id")[:limit])


def opportunity_choices(*, actor) -> QuerySet[Opportunity]:
    """Won opportunities the actor sees: a contract is made from a won deal."""
    return Opportunity.objects.visible_to(actor).filter(status=OpportunityStatus.WON).select_related("customer")


def quote_choices(*, actor) -> QuerySet[Quote]:
    """Accepted quotes the actor sees: a contract is made from what the customer accepted."""
    return Quote.objects.visible_to(actor).filter(status=QuoteStatus.ACCEPTED).select_related("customer",
                                                                                            "opportunity")


def contract_history(*, contract: Contract, limit: int = 50) -> list[AuditEvent]:
    """The audited changes of a contract, its plan and its payments, newest first (the caller has
    already read the contract through `contract_get`, so the actor may see it)."""
    return list(AuditEvent.objects.filter(timeline_key=timeline_key(contract)).select_related("actor")[:limit])


# -- attachments --


def contract_attachments(*, contract: Contract) -> QuerySet[ContractAttachment]:
    return contract.attachments.select_related("uploaded_by").order_by("-uploaded_at", "-id")


def attachment_get(*, actor, id: int) -> ContractAttachment:
    """A contract's file, only for those who see the contract."""
    visible = Contract.objects.visible_to(actor).values("pk")
    attachment = (ContractAttachment.objects.filter(pk=id, contract__in=visible).select_related("contract")
                  .first())
    if attachment is None:
        raise NotFound()
    return attachment


# -- instalments and payments --


def instalment_list(*, actor, contract: Contract) -> QuerySet[Instalment]:
    return Instalment.objects.visible_to(actor).filter(contract=contract).order_by("sequence", "id")


def instalment_get(*, actor, id: int) -> Instalment:
    instalment = (Instalment.objects.visible_to(actor).select_related("contract", "contract__customer")
                  .filter(pk=id).first())
    if instalment is None:
        raise NotFound()
    return instalment


def payment_list(*, actor, filters: PaymentFilters | None = None) -> QuerySet[Payment]:
    qs = (filters or PaymentFilters()).apply(Payment.objects.visible_to(actor))
    return qs.select_related("contract", "contract__customer", "instalment", "recorded_by", "reversed_by")


def payment_page(*, actor, filters: PaymentFilters, cursor: str | None, limit: int = 50) -> Page:
    return keyset_page(payment_list(actor=actor, filters=filters), PAYMENT_ORDERING, cursor, max(1, min(limit, 200)))


def contract_payments(*, actor, contract: Contract) -> QuerySet[Payment]:
    return payment_list(actor=actor, filters=PaymentFilters(contract=contract.pk)).order_by(*PAYMENT_ORDERING)


def payment_get(*, actor, id: int) -> Payment:
    payment = payment_list(actor=actor).filter(pk=id).first()
    if payment is None:
        raise NotFound()
    return payment


# -- receivables (回款) --


def receivable_overdue(*, actor, filters: OverdueFilters | None = None,
                       today: dt.date | None = None) -> QuerySet[Instalment]:
    """Instalments due before today and not fully paid, on signed contracts, oldest due first."""
    qs = (Instalment.objects.visible_to(actor)
          .filter(due_on__lt=_today(today), received_amount__lt=F("amount"),
                  contract__status__in=RECEIVABLE_STATUSES))
    qs = (filters or OverdueFilters()).apply(qs, actor=actor)
    return qs.select_related("contract", "contract__customer", "contract__owner").order_by(*OVERDUE_ORDERING)


def receivable_overdue_page(*, actor, filters: OverdueFilters, cursor: str | None, limit: int = 50,
                            today: dt.date | None = None) -> Page:
    qs = receivable_overdue(actor=actor, filters=filters, today=today)
    return keyset_page(qs, OVERDUE_ORDERING, cursor, max(1, min(limit, 200)))


@dataclass
class CurrencyBalance:
    """Contracted, received, outstanding and overdue amounts in one currency; currencies are never added up."""

    currency: str
    contracted: Decimal
    received: Decimal
    overdue: Decimal
    contracts: int

    @property
    def outstanding(self) -> Decimal:
        return self.contracted - self.received


def receivable_balance(*, actor, customer: Customer | None = None, filters: OverdueFilters | None = None,
                       today: dt.date | None = None) -> list[CurrencyBalance]:
    """Totals per currency of the signed contracts the actor sees (of one customer, if given)."""
    day = _today(today)
    qs = Contract.objects.visible_to(actor).filter(status__in=RECEIVABLE_STATUSES)
    if customer is not None:
        qs = qs.filter(customer=customer)
    if filters is not None:
        qs = filters.apply(qs, actor=actor, via="")
    rows = {r["currency"]: r for r in qs.order_by().values("currency").annotate(
        contracted=Sum("amount"), received=Sum("received_amount"), n=Count("id"))}
    overdue = (Instalment.objects.filter(contract__in=qs.values("pk"), due_on__lt=day,
                                         received_amount__lt=F("amount"))
               .order_by().values("contract__currency")
               .annotate(due=Sum(F("amount") - F("received_amount"))))
    overdue_by = {r["contract__currency"]: r["due"] for r in overdue}
    # Sums come back unquantised from SQLite ("1000"); they are shown and compared as cents.
    return [CurrencyBalance(currency=c, contracted=round_money(r["contracted"] or ZERO),
                            received=round_money(r["received"] or ZERO),
                            overdue=round_money(overdue_by.get(c) or ZERO), contracts=r["n"] or 0)
            for c, r in sorted(rows.items())]


def customer_contracts(*, actor, customer: Customer, limit: int = 20) -> list[Contract]:
    return list(Contract.objects.visible_to(actor).filter(customer=customer).select_related("owner")
                .order_by("-id")[:limit])


def opportunity_contracts(*, actor, opportunity) -> list[Contract]:
    return list(Contract.objects.visible_to(actor).filter(opportunity=opportunity).select_related("owner")
                .order_by("-id")[:20])

