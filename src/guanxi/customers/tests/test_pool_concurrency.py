"""Sellers claiming the same pool customer at the same moment, from threads with their own database
connections: exactly one becomes the owner, the others are told someone was first.

On SQLite the race runs on a database file in WAL mode with IMMEDIATE transactions, as the application
runs: the test run's shared in-memory database answers "table is locked" at once instead of waiting.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, connections

from guanxi.core.errors import Conflict
from guanxi.customers.models import Customer, OwnershipEvent
from guanxi.customers.pool import services as pool_services
from guanxi.org.models import User

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]


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


def _claim_at_once(customer_pk: int, usernames: list[str]) -> list[object]:
    """Each user loads the pool customer, waits for the others, then claims it."""
    barrier = threading.Barrier(len(usernames))
    outcome: list[object] = [None] * len(usernames)

    def run(i: int, username: str) -> None:
        try:
            actor = User.objects.get(username=username)
            customer = Customer.objects.visible_to(actor).get(pk=customer_pk)
            barrier.wait(timeout=10)
            outcome[i] = pool_services.customer_claim(actor=actor, customer=customer)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcome[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(usernames)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcome


@pytest.mark.parametrize("run", range(3))
def test_of_sellers_claiming_at_once_exactly_one_wins(company, pools, pooled, tmp_path, run):
    customer = pooled(pools.team, "抢手客户")
    with _racing_database(tmp_path):
        outcome = _claim_at_once(customer.pk, ["alice", "bob", "carol"])
        winners = [o for o in outcome if isinstance(o, Customer)]
        losers = [o for o in outcome if isinstance(o, Conflict)]
        assert len(winners) == 1 and len(losers) == 2, outcome
        assert all(o.code == "already_claimed" for o in losers)
        owner = Customer.objects.get(pk=customer.pk).owner_id
        assert owner == winners[0].owner_id
        assert list(OwnershipEvent.objects.values_list("new_owner_id", flat=True)) == [owner]


def test_one_seller_claiming_two_customers_at_once_stays_within_the_limit(company, pools, pooled, set_rules,
                                                                          tmp_path):
    set_rules(pools.team, {"grade": "", "max_owned": 1})
    first, second = pooled(pools.team, "客户一"), pooled(pools.team, "客户二")
    with _racing_database(tmp_path):
        barrier = threading.Barrier(2)
        outcome: list[object] = [None, None]

        def run(i: int, pk: int) -> None:
            try:
                actor = User.objects.get(username="alice")
                customer = Customer.objects.visible_to(actor).get(pk=pk)
                barrier.wait(timeout=10)
                outcome[i] = pool_services.customer_claim(actor=actor, customer=customer)
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
                outcome[i] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i, c.pk)) for i, c in enumerate((first, second))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sum(isinstance(o, Customer) for o in outcome) == 1, outcome
        refused = [o for o in outcome if not isinstance(o, Customer)]
        assert getattr(refused[0], "code", None) == "pool_limit_reached", outcome
        assert Customer.objects.filter(owner__username="alice").count() == 1
