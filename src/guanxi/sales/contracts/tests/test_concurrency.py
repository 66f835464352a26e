"""Two payments on one instalment at the same moment, from two threads with their own database
connections: the balances never drift, and the one that would overpay is refused.

On SQLite the race runs on a database file in WAL mode, as the application runs: the test run's
shared in-memory database answers "table is locked" at once instead of waiting its turn.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from guanxi.core.errors import DomainError
from guanxi.sales.contracts import services
from guanxi.sales.contracts.models import Contract, Instalment, Payment

from .conftest import days, today

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


@contextmanager
def _racing_database(tmp_path) -> Iterator[None]:
    """On SQLite, a copy of the test database in a file that every thread (and the test) opens."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    path = tmp_path / "race.sqlite3"
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    in_memory = connections["default"]
    shared = connections.settings["default"]
    name = shared["NAME"]
    shared["NAME"] = str(path)
    on_file = connections.create_connection("default")
    connections["default"] = on_file
    try:
        yield
    finally:
        on_file.close()
        connections["default"] = in_memory
        shared["NAME"] = name


def _race(fns) -> list:
    """Run the callables at once; each thread uses (and closes) its own connection."""
    barrier = threading.Barrier(len(fns))
    results: list = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture
def instalment(company, make_contract):
    contract = make_contract(company.alice, amount="1000", active=True)
    return services.instalment_create(actor=company.alice, contract=contract,
                                      data={"due_on": days(30), "amount": D("100")})


def _pay(actor, instalment, amount):
    contract = Contract.objects.get(pk=instalment.contract_id)
    fresh = Instalment.objects.get(pk=instalment.pk)
    return lambda: services.payment_record(actor=actor, contract=contract, data={
        "instalment": fresh, "amount": D(amount), "received_on": today()})


def _sums(instalment) -> tuple[Decimal, Decimal, Decimal]:
    live = Payment.objects.filter(reversed_at__isnull=True)
    paid = live.aggregate(s=Sum("amount"))["s"] or D(0)
    return (Instalment.objects.get(pk=instalment.pk).received_amount,
            Contract.objects.get(pk=instalment.contract_id).received_amount, paid)


def test_two_payments_that_fit_both_land(company, instalment, tmp_path):
    with _racing_database(tmp_path):
        results = _race([_pay(company.carol, instalment, "40"), _pay(company.root, instalment, "60")])
        assert all(isinstance(r, Payment) for r in results), results
        assert _sums(instalment) == (D("100"), D("100"), D("100"))


def test_of_two_payments_that_together_overpay_one_is_refused(company, instalment, tmp_path):
    with _racing_database(tmp_path):
        results = _race([_pay(company.carol, instalment, "70"), _pay(company.root, instalment, "70")])
        landed = [r for r in results if isinstance(r, Payment)]
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(landed) == 1 and len(refused) == 1, results
        assert refused[0].code == "overpayment"
        assert _sums(instalment) == (D("70"), D("70"), D("70"))
        assert Payment.objects.count() == 1


def test_a_payment_racing_its_reversal_keeps_the_sums(company, instalment, tmp_path):
    first = services.payment_record(actor=company.carol, contract=instalment.contract, data={
        "instalment": instalment, "amount": D("50"), "received_on": today()})
    payment = Payment.objects.select_related("contract").get(pk=first.pk)
    with _racing_database(tmp_path):
        results = _race([
            _pay(company.root, instalment, "50"),
            lambda: services.payment_reverse(actor=company.carol, payment=payment, reason="录错"),
        ])
        assert not any(isinstance(r, Exception) for r in results), results
        received, contract_received, paid = _sums(instalment)
        assert received == contract_received == paid == D("50")
