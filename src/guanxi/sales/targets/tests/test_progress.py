"""Progress against targets, checked against amounts worked out by hand.

The book (all in 2025 unless said; CNY unless said):
  alice  100,000 signed 03-31 (the last day of March and of Q1)   active
          50,000 signed 04-01                                       active
          20,000 USD signed 03-15                                   active
          30,000 signed 03-10                                       terminated — counts for nobody
           9,000 signed 03-05                                       draft — counts for nobody
          80,000 signed 01-31                                       expired — still counts
          11,000 signed 2024-12-31                                  active
  bob     40,000 signed 03-20                                       active
  dave    70,000 signed 03-31 (销售二部)                             active
           5,000 signed 07-01                                       active
Payments: on alice's 100,000: 30,000 on 03-31, 20,000 on 04-01, 5,000 on 03-31 reversed (does not count);
on her terminated one 10,000 on 03-12 (counts: the money arrived); on her USD one 2,000 USD on 03-16;
on bob's 15,000 on 03-25.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from guanxi.core.errors import Forbidden
from guanxi.core.system import SYSTEM
from guanxi.org.services import user_update
from guanxi.sales.contracts.choices import ContractStatus
from guanxi.sales.targets.periods import Period
from guanxi.sales.targets.progress import target_progress, target_ranking

from .factories import make_contract, make_payment

pytestmark = pytest.mark.django_db

D = dt.date
MARCH, APRIL, Q1, YEAR = (Period.of("month", 2025, 3), Period.of("month", 2025, 4), Period.of("quarter", 2025, 1),
                          Period.of("year", 2025))


@pytest.fixture
def book(company):
    a, b, d = company.alice, company.bob, company.dave
    c1 = make_contract(a, 100_000, D(2025, 3, 31))
    make_contract(a, 50_000, D(2025, 4, 1))
    usd = make_contract(a, 20_000, D(2025, 3, 15), currency="USD")
    ended = make_contract(a, 30_000, D(2025, 3, 10), status=ContractStatus.TERMINATED)
    make_contract(a, 9_000, D(2025, 3, 5), status=ContractStatus.DRAFT)
    make_contract(a, 80_000, D(2025, 1, 31), status=ContractStatus.EXPIRED)
    make_contract(a, 11_000, D(2024, 12, 31))
    b1 = make_contract(b, 40_000, D(2025, 3, 20))
    make_contract(d, 70_000, D(2025, 3, 31))
    make_contract(d, 5_000, D(2025, 7, 1))
    make_payment(c1, 30_000, D(2025, 3, 31), by=company.root)
    make_payment(c1, 20_000, D(2025, 4, 1), by=company.root)
    make_payment(c1, 5_000, D(2025, 3, 31), by=company.root, reversed_=True)
    make_payment(ended, 10_000, D(2025, 3, 12), by=company.root)
    make_payment(usd, 2_000, D(2025, 3, 16), by=company.root)
    make_payment(b1, 15_000, D(2025, 3, 25), by=company.root)
    return company


def achieved(rows) -> dict:
    return {(str(p.target.subject), p.period.key, p.target.metric, p.target.currency): p.achieved for p in rows}


def test_a_persons_signed_amount_per_period(book, set_target):
    alice = book.alice
    set_target(alice, 200_000, "month", 2025, 3)
    set_target(alice, 40_000, "month", 2025, 4)
    set_target(alice, 300_000, "quarter", 2025, 1)
    set_target(alice, 1_000_000, "year", 2025)
    set_target(alice, 10_000, "month", 2024, 12)

    rows = target_progress(actor=alice, periods=[MARCH, APRIL, Q1, YEAR, Period.of("month", 2024, 12)])

    assert [(p.period, p.achieved, p.percent) for p in rows] == [
        (MARCH, Decimal("100000.00"), Decimal("50.0")),        # 03-31 counts in March; terminated and draft don't
        (APRIL, Decimal("50000.00"), Decimal("125.0")),        # 04-01 is April's
        (Q1, Decimal("180000.00"), Decimal("60.0")),           # 100,000 + the expired 80,000 of January
        (YEAR, Decimal("230000.00"), Decimal("23.0")),         # Q1 + April; the 2024-12-31 contract is last year's
        (Period.of("month", 2024, 12), Decimal("11000.00"), Decimal("110.0")),
    ]
    april = rows[1]
    assert april.reached and april.remaining == Decimal("0") and april.bar_percent == 100
    assert rows[0].remaining == Decimal("100000.00") and rows[0].bar_percent == 50


def test_only_the_targets_currency_counts(book, set_target):
    set_target(book.bob, 5_000, "month", 2025, 3, currency="USD")
    set_target(book.alice, 4_000, "quarter", 2025, 1, metric="received", currency="USD")
    set_target(book.alice, 50_000, "month", 2025, 3, currency="USD")

    rows = achieved(target_progress(actor=SYSTEM, periods=[MARCH, Q1]))

    assert rows == {
        ("王芳", "2025-m3", "signed", "USD"): Decimal("20000.00"),   # only her USD contract
        ("李强", "2025-m3", "signed", "USD"): Decimal("0.00"),       # his 40,000 CNY is never converted
        ("王芳", "2025-q1", "received", "USD"): Decimal("2000.00"),
    }


def test_payments_received_per_period(book, set_target):
    set_target(book.alice, 50_000, "month", 2025, 3, metric="received")
    set_target(book.alice, 50_000, "month", 2025, 4, metric="received")
    set_target(book.bob, 30_000, "month", 2025, 3, metric="received")

    rows = achieved(target_progress(actor=SYSTEM, periods=[MARCH, APRIL], metric="received"))

    assert rows == {
        ("王芳", "2025-m3", "received", "CNY"): Decimal("40000.00"),  # 30,000 + 10,000 on the terminated one
        ("王芳", "2025-m4", "received", "CNY"): Decimal("20000.00"),  # the reversed 5,000 never counts
        ("李强", "2025-m3", "received", "CNY"): Decimal("15000.00"),
    }


def test_a_department_counts_its_people_and_its_sub_departments(book, set_target):
    set_target(book.sales1, 280_000, "month", 2025, 3)
    set_target(book.sales2, 100_000, "quarter", 2025, 1)
    set_target(book.sales, 300_000, "month", 2025, 3)
    set_target(book.hq, 1_000_000, "year", 2025)
    set_target(book.sales1, 110_000, "month", 2025, 3, metric="received")

    rows = achieved(target_progress(actor=SYSTEM, periods=[MARCH, Q1, YEAR], subject="department"))

    assert rows == {
        ("销售一部", "2025-m3", "signed", "CNY"): Decimal("140000.00"),   # alice 100,000 + bob 40,000
        ("销售部", "2025-m3", "signed", "CNY"): Decimal("210000.00"),     # both teams: + dave 70,000
        ("销售一部", "2025-m3", "received", "CNY"): Decimal("55000.00"),  # alice 40,000 + bob 15,000
        ("销售二部", "2025-q1", "signed", "CNY"): Decimal("70000.00"),
        ("总部", "2025-y1", "signed", "CNY"): Decimal("345000.00"),       # 230,000 + 40,000 + 75,000
    }


def test_a_department_counts_the_people_now_in_it(book, set_target):
    set_target(book.sales1, 280_000, "month", 2025, 3)
    user_update(actor=SYSTEM, user=book.dave, data={"department": book.sales1})

    [row] = target_progress(actor=SYSTEM, periods=[MARCH], subject="department")

    assert row.achieved == Decimal("210000.00")


def test_each_reader_sees_progress_only_for_targets_in_their_scope(book, set_target):
    set_target(book.alice, 200_000)
    set_target(book.bob, 100_000)
    set_target(book.dave, 100_000)
    set_target(book.sales1, 280_000)
    set_target(book.sales2, 280_000)

    def seen(user):
        return sorted(str(p.target.subject) for p in target_progress(actor=user, periods=[MARCH]))

    assert seen(book.alice) == ["王芳"]
    assert seen(book.bob) == ["李强"]
    assert seen(book.carol) == sorted(["王芳", "李强", "销售一部"])   # department scope: her team and her department
    assert seen(book.dave) == ["赵磊"]
    assert seen(book.root) == sorted(["王芳", "李强", "赵磊", "销售一部", "销售二部"])
    with pytest.raises(Forbidden):
        seen(book.erin)


def test_ranking_puts_the_best_share_first(book, set_target):
    set_target(book.alice, 200_000)   # 50%
    set_target(book.bob, 40_000)      # 100%
    set_target(book.carol, 10_000)    # 0%
    set_target(book.dave, 10_000)     # 700%, but not in carol's department

    ranking = target_ranking(actor=book.carol, period=MARCH, metric="signed")

    assert [(str(p.target.user), p.percent) for p in ranking] == [
        ("李强", Decimal("100.0")), ("王芳", Decimal("50.0")), ("陈经理", Decimal("0.0"))]


def test_progress_costs_the_same_queries_for_three_people_or_thirty(company, set_target, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    users = get_user_model()

    def add_people(n):
        for i in range(n):
            person = users.objects.create_user(username=f"seller{users.objects.count()}", department=company.sales1)
            make_contract(person, 1000 + i, D(2025, 3, 10))
            set_target(person, 5_000)
            set_target(person, 5_000, metric="received")
        set_target(company.sales1, 90_000) if n == 3 else None

    def count_queries():
        actor = get_user_model().objects.get(pk=company.root.pk)
        with CaptureQueriesContext(connection) as ctx:
            rows = target_progress(actor=actor, periods=[MARCH, Q1, YEAR])
        return len(ctx.captured_queries), rows

    add_people(3)
    few, rows = count_queries()
    add_people(27)
    many, rows = count_queries()

    assert len(rows) == 61   # 30 people × 2 measures + the department
    assert many == few
    # The actor's roles, the targets, one sum per measure.
    assert many <= 4
    with django_assert_max_num_queries(4):
        target_progress(actor=get_user_model().objects.get(pk=company.root.pk), periods=[MARCH])
