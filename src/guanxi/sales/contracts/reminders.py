"""What contracts remind their owners of each day (automation.reminders): a contract ending in N
days, an instalment due in N days, an instalment overdue since yesterday (still not fully paid)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.automation.reminders.registry import Reminder, register_reminder_source

from .choices import ContractStatus
from .models import Contract, Instalment


def contracts_ending(day: dt.date, limits: dict[str, Any]) -> Iterator[Reminder]:
    ends_on = day + dt.timedelta(days=int(limits["contract_ending_days"]))
    qs = (Contract.objects.filter(status=ContractStatus.ACTIVE, ends_on=ends_on, owner_id__isnull=False)
          .only("id", "number", "title", "owner_id", "ends_on").order_by("pk"))
    for contract in qs.iterator(chunk_size=1000):
        yield Reminder(contract.owner_id, contract, _("Contract %(number)s “%(title)s” ends on %(date)s"),
                       {"number": contract.number, "title": contract.title, "date": ends_on.isoformat()},
                       reverse("contracts:detail", args=[contract.pk]))


def _unpaid_due(due_on: dt.date):
    return (Instalment.objects.filter(due_on=due_on, received_amount__lt=F("amount"),
                                      contract__status=ContractStatus.ACTIVE, contract__owner_id__isnull=False)
            .select_related("contract").only("id", "sequence", "due_on", "amount", "received_amount",
                                             "contract__id", "contract__number", "contract__owner_id")
            .order_by("pk"))


def instalments_due(day: dt.date, limits: dict[str, Any]) -> Iterator[Reminder]:
    due_on = day + dt.timedelta(days=int(limits["instalment_due_days"]))
    for instalment in _unpaid_due(due_on).iterator(chunk_size=1000):
        contract = instalment.contract
        yield Reminder(contract.owner_id, instalment,
                       _("Instalment %(sequence)s of contract %(number)s is due on %(date)s: %(amount)s outstanding"),
                       {"sequence": instalment.sequence, "number": contract.number, "date": due_on.isoformat(),
                        "amount": f"{instalment.outstanding:,.2f}"},
                       reverse("contracts:detail", args=[contract.pk]))


def instalments_overdue(day: dt.date, limits: dict[str, Any]) -> Iterator[Reminder]:
    due_on = day - dt.timedelta(days=1)
    for instalment in _unpaid_due(due_on).iterator(chunk_size=1000):
        contract = instalment.contract
        yield Reminder(contract.owner_id, instalment,
                       _("Instalment %(sequence)s of contract %(number)s is overdue since %(date)s: "
                         "%(amount)s outstanding"),
                       {"sequence": instalment.sequence, "number": contract.number, "date": due_on.isoformat(),
                        "amount": f"{instalment.outstanding:,.2f}"},
                       reverse("contracts:detail", args=[contract.pk]))


def register() -> None:
    """Called from ContractsConfig.ready()."""
    register_reminder_source("contracts.ending", label=_("Contract ending"), find=contracts_ending)
    register_reminder_source("contracts.instalment_due", label=_("Instalment due"), find=instalments_due)
    register_reminder_source("contracts.instalment_overdue", label=_("Instalment overdue"), find=instalments_overdue)
