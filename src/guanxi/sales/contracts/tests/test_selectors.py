"""Reads with a fixed "today": the honest status, ending soon, overdue and balances, in each user's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.sales.contracts import selectors, services
from guanxi.sales.contracts.filters import ContractFilters, OverdueFilters
from guanxi.sales.contracts.models import Contract

pytestmark = pytest.mark.django_db

D = Decimal
DAY = dt.date(2026, 6, 15)


def on(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


@pytest.fixture
def book(company, make_contract, make_customer):
    """Alice's contracts around 15 June 2026, made active directly (their dates are fixed, not relative)."""
    customer = make_customer(company.alice, "固定日期客户")

    def contract(title, *, ends=None, status="active", amount="1000", currency="CNY"):
        c = make_contract(company.alice, amount=amount, customer=customer, title=title, currency=currency,
                          ends_on=on(ends) if ends is not None else None)
        Contract.objects.filter(pk=c.pk).update(status=status)
        c.refresh_from_db()
        return c

    return contract


def test_status_on_a_day(book):
    running = book("进行中", ends=0)
    past = book("已过", ends=-1)
    assert running.status_on(DAY) == "active" and past.status_on(DAY) == "expired"
    assert running.days_left(DAY) == 0 and past.days_left(DAY) is None
    assert running.status_on(on(1)) == "expired"


def test_ending_within_days_counts_today_and_the_last_day(company, book):
    book("今天到期", ends=0)
    book("三十天", ends=30)
    book("三十一天", ends=31)
    book("昨天", ends=-1)
    book("无期限")
    book("草稿", ends=5, status="draft")
    book("已终止", ends=5, status="terminated")
    titles = [c.title for c in selectors.contract_ending(actor=company.alice, days=30, today=DAY)]
    assert titles == ["今天到期", "三十天"]
    assert [c.title for c in selectors.contract_ending(actor=company.alice, days=0, today=DAY)] == ["今天到期"]


def test_status_filter_is_honest_about_expiry(company, book):
    book("进行中", ends=3)
    book("未标记过期", ends=-3)
    book("已标记过期", ends=-30, status="expired")

    def titles(status):
        qs = selectors.contract_list(actor=company.alice, filters=ContractFilters(status=status), today=DAY)
        return sorted(c.title for c in qs)

    assert titles("active") == ["进行中"]
    assert titles("expired") == ["已标记过期", "未标记过期"]


def test_overdue_is_due_before_today_and_not_fully_paid(company, book):
    contract = book("回款合同", ends=300, amount="10000")
    draft = book("草稿合同", ends=300, status="draft")

    def plan(c, amount, due):
        return services.instalment_create(actor=company.alice, contract=c, data={"due_on": on(due),
                                                                                 "amount": D(amount)})

    late = plan(contract, "1000", -10)
    plan(contract, "1000", 0)  # due today: not overdue yet
    settled = plan(contract, "500", -20)
    partly = plan(contract, "800", -1)
    plan(draft, "100", -5)  # a draft is not owed yet
    services.payment_record(actor=company.carol, contract=contract, data={
        "instalment": settled, "amount": D("500"), "received_on": DAY})
    services.payment_record(actor=company.carol, contract=contract, data={
        "instalment": partly, "amount": D("300"), "received_on": DAY})
    overdue = list(selectors.receivable_overdue(actor=company.alice, today=DAY))
    assert overdue == [late, partly]
    balance = selectors.receivable_balance(actor=company.alice, today=DAY)
    assert [(b.currency, b.contracted, b.received, b.outstanding, b.overdue) for b in balance] == [
        ("CNY", D("10000.00"), D("800.00"), D("9200.00"), D("1500.00"))]


def test_overdue_filters_and_scope(company, book, make_contract):
    alices = book("王芳合同", ends=100)
    services.instalment_create(actor=company.alice, contract=alices, data={"due_on": on(-3), "amount": D("10")})
    bobs = make_contract(company.bob, active=True, title="李强合同")
    services.instalment_create(actor=company.bob, contract=bobs, data={"due_on": on(-3), "amount": D("10")})

    def titles(actor, **filters):
        qs = selectors.receivable_overdue(actor=actor, filters=OverdueFilters(**filters), today=DAY)
        return sorted(i.contract.title for i in qs)

    assert titles(company.carol) == ["李强合同", "王芳合同"]
    assert titles(company.carol, owner=company.bob.pk) == ["李强合同"]
    assert titles(company.carol, mine=True) == []
    assert titles(company.alice) == ["王芳合同"]
    assert_matrix(company, lambda u: "王芳合同" in titles(u), ALICE_RECORD_VISIBLE)


def test_balances_never_add_currencies(company, book):
    book("人民币", ends=100, amount="1000")
    book("美元", ends=100, amount="300", currency="USD")
    book("已过期美元", ends=-100, amount="200", currency="USD", status="expired")
    balance = {b.currency: b for b in selectors.receivable_balance(actor=company.alice, today=DAY)}
    assert set(balance) == {"CNY", "USD"}
    assert balance["USD"].contracted == D("500.00") and balance["USD"].contracts == 2
    assert balance["CNY"].contracted == D("1000.00")
