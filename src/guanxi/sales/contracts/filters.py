"""One definition of the contract, overdue-instalment and payment filters, shared by the pages and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError

from .choices import ContractStatus

# Sort keys a user may choose, each ending in the primary key so keyset paging is exact.
ORDERINGS: dict[str, list[str]] = {
    "-created": ["-id"],
    "created": ["id"],
    "-amount": ["-amount", "-id"],
    "amount": ["amount", "id"],
}
ENDING_ORDERING = ["ends_on", "id"]
OVERDUE_ORDERING = ["due_on", "id"]
PAYMENT_ORDERING = ["-received_on", "-id"]
MAX_DAYS = 3650
DEFAULT_ENDING_DAYS = 30
MAX_ID = 2**63 - 1


def _read(cls, params, *, ints: Collection[str], dates: Collection[str] = (), bools: Collection[str] = (),
          choices: dict[str, list[str]] | None = None, bounds: dict[str, tuple[int, int]] | None = None) -> dict:
    """Typed values of a dataclass's fields from a query dict; malformed ones raise one DomainError."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for f in fields(cls):
        raw = params.get(f.name)
        if raw in (None, ""):
            continue
        raw = str(raw).strip()[:200]
        try:
            if f.name in ints:
                low, high = (bounds or {}).get(f.name, (1, MAX_ID))
                number = int(raw)
                if not low <= number <= high:
                    raise ValueError
                values[f.name] = number
            elif f.name in dates:
                values[f.name] = dt.date.fromisoformat(raw)
            elif f.name in bools:
                values[f.name] = raw.lower() in {"1", "true", "yes", "on"}
            else:
                values[f.name] = raw
        except ValueError:
            errors[f.name] = [_("This value is not valid.")]
    for name, allowed in (choices or {}).items():
        if name in values and values[name] not in allowed:
            errors[name] = [_("This value is not valid.")]
    if errors:
        raise DomainError("invalid_filter", _("Some filters are not valid."), errors)
    return values


def in_force_q(today: dt.date) -> Q:
    """Active and not past the end date: what the business calls a contract in force."""
    return Q(status=ContractStatus.ACTIVE) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def expired_q(today: dt.date) -> Q:
    """Expired, including active contracts past their end date the nightly run has not marked yet."""
    return Q(status=ContractStatus.EXPIRED) | Q(status=ContractStatus.ACTIVE, ends_on__lt=today)


def ending_q(today: dt.date, days: int) -> Q:
    return Q(status=ContractStatus.ACTIVE, ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=days))


def status_q(status: str, today: dt.date) -> Q:
    if status == ContractStatus.ACTIVE:
        return in_force_q(today)
    if status == ContractStatus.EXPIRED:
        return expired_q(today)
    return Q(status=status)


@dataclass
class ContractFilters:
    q: str = ""
    status: str = ""
    customer: int | None = None
    owner: int | None = None
    mine: bool = False
    ending_within: int | None = None
    sort: str = "-created"

    @classmethod
    def from_query(cls, params) -> ContractFilters:
        return cls(**_read(cls, params, ints={"customer", "owner", "ending_within"}, bools={"mine"},
                           choices={"status": ContractStatus.values, "sort": list(ORDERINGS)},
                           bounds={"ending_within": (0, MAX_DAYS)}))

    @property
    def ordering(self) -> list[str]:
        return ORDERINGS[self.sort]

    def apply(self, qs: QuerySet, *, actor, today: dt.date) -> QuerySet:
        if self.status:
            qs = qs.filter(status_q(self.status, today))
        if self.customer:
            qs = qs.filter(customer_id=self.customer)
        if self.owner:
            qs = qs.filter(owner_id=self.owner)
        if self.mine:
            qs = qs.filter(owner_id=actor.pk)
        if self.ending_within is not None:
            qs = qs.filter(ending_q(today, self.ending_within))
        text = self.q.strip()[:100]
        if text:
            qs = qs.filter(Q(number__istartswith=text) | Q(title__icontains=text))
        return qs

    def is_active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "", False) for f in fields(self) if f.name != "sort")


@dataclass
class OverdueFilters:
    """Instalments due and not fully paid (逾期回款)."""

    owner: int | None = None
    customer: int | None = None
    mine: bool = False

    @classmethod
    def from_query(cls, params) -> OverdueFilters:
        return cls(**_read(cls, params, ints={"owner", "customer"}, bools={"mine"}))

    def apply(self, qs: QuerySet, *, actor, via: str = "contract__") -> QuerySet:
        """Filter instalments, or with `via=""` the contracts themselves (for the totals above the list)."""
        if self.owner:
            qs = qs.filter(**{f"{via}owner_id": self.owner})
        if self.customer:
            qs = qs.filter(**{f"{via}customer_id": self.customer})
        if self.mine:
            qs = qs.filter(**{f"{via}owner_id": actor.pk})
        return qs

    def is_active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "", False) for f in fields(self))


@dataclass
class PaymentFilters:
    contract: int | None = None
    customer: int | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    include_reversed: bool = True

    @classmethod
    def from_query(cls, params) -> PaymentFilters:
        return cls(**_read(cls, params, ints={"contract", "customer"}, dates={"received_from", "received_to"},
                           bools={"include_reversed"}))

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.contract:
            qs = qs.filter(contract_id=self.contract)
        if self.customer:
            qs = qs.filter(contract__customer_id=self.customer)
        if self.received_from:
            qs = qs.filter(received_on__gte=self.received_from)
        if self.received_to:
            qs = qs.filter(received_on__lte=self.received_to)
        if not self.include_reversed:
            qs = qs.filter(reversed_at__isnull=True)
        return qs
