"""Fixtures of the customer pool tests: a company-wide pool and 销售一部's pool, customers waiting in
them, customers whose clocks are set in the past, and a fixed moment the sweep runs at."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from guanxi.core.system import SYSTEM
from guanxi.customers.models import Customer
from guanxi.customers.pool import services as pool_services

NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 2, 0))


def days_before(n: float, now: dt.datetime = NOW) -> dt.datetime:
    return now - dt.timedelta(days=n)


def reload(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


@pytest.fixture
def english():
    """Messages read in English (the default language is Chinese); tests of the catalogue switch back."""
    with translation.override("en"):
        yield


@pytest.fixture
def pools(company):
    """`pools.company` (everyone's) and `pools.team` (销售一部 and below: alice, bob, carol, erin)."""
    return SimpleNamespace(
        company=pool_services.pool_create(actor=SYSTEM, data={"name": "公海"}),
        team=pool_services.pool_create(actor=SYSTEM, data={"name": "销售一部公海", "department": company.sales1}),
    )


@pytest.fixture
def pooled(make_customer):
    """`pooled(pool, name, **fields)`: a customer waiting in `pool`."""

    def put(pool, name: str = "待领取客户", **fields) -> Customer:
        customer = make_customer(None, name, **fields)
        Customer.objects.filter(pk=customer.pk).update(pool=pool)  # a test factory may write directly
        return reload(customer)

    return put


@pytest.fixture
def owned(make_customer):
    """`owned(owner, name, created=days, contacted=days, deal=days, claimed=days, **fields)`: a customer
    whose clocks started that many days before NOW (None: never)."""

    def make(owner, name: str = "老客户", *, created: float = 400, contacted: float | None = None,
             deal: float | None = None, claimed: float | None = None, pool=None, **fields) -> Customer:
        customer = make_customer(owner, name, **fields)
        Customer.objects.filter(pk=customer.pk).update(
            created_at=days_before(created),
            last_contacted_at=None if contacted is None else days_before(contacted),
            last_deal_at=None if deal is None else days_before(deal),
            claimed_at=None if claimed is None else days_before(claimed),
            pool=pool)
        return reload(customer)

    return make


@pytest.fixture
def set_rules():
    """`set_rules(pool, {"grade": "", "no_follow_up_days": 30, ...}, ...)` replaces the pool's rules."""

    def apply(pool, *rows):
        return pool_services.pool_update(actor=SYSTEM, pool=pool, data={}, rules=list(rows))

    return apply
