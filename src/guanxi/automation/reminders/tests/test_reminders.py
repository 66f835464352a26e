"""Daily reminders and digests: who hears what, in which language, once a day, however often the run
runs; and the digest of the day at each person's time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.automation.notifications.models import Notification
from guanxi.automation.reminders import services
from guanxi.automation.reminders.models import Digest, SentReminder
from guanxi.customers.models import Customer
from guanxi.org.models import User

pytestmark = pytest.mark.django_db

# 08:00 in Shanghai on 2026-03-10.
MORNING = dt.datetime(2026, 3, 10, 0, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 10)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def notes_of(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("id"))


@pytest.fixture
def people(company):
    User.objects.filter(pk=company.alice.pk).update(language="zh-hans")
    User.objects.filter(pk=company.bob.pk).update(language="en")
    company.alice.refresh_from_db()
    company.bob.refresh_from_db()
    return company


def test_a_follow_up_planned_for_today_reminds_the_owner_once(people, make_customer):
    due = make_customer(people.alice, "深圳市腾远电子科技有限公司")
    later = make_customer(people.alice, "杭州云栖数据有限公司")
    Customer.objects.filter(pk=due.pk).update(next_follow_up_at=at(TODAY, 15))
    Customer.objects.filter(pk=later.pk).update(next_follow_up_at=at(TODAY + dt.timedelta(days=1)))
    counts = services.reminders_run(MORNING)
    assert counts["customers.follow_up_due"] == 1
    [note] = notes_of(people.alice)
    assert note.title == "今天跟进深圳市腾远电子科技有限公司" and note.url == f"/customers/{due.pk}/"
    assert note.kind == "customers.follow_up_due"
    # The run repeated (a second worker, a retry) sends nothing more.
    assert services.reminders_run(MORNING + dt.timedelta(minutes=5)).get("customers.follow_up_due", 0) == 0
    assert len(notes_of(people.alice)) == 1


def test_not_contacted_reminds_once_as_the_customer_crosses_its_grade_limit(people, make_customer):
    crossing = make_customer(people.bob, "北京华信精密机械有限公司", grade="A")
    not_yet = make_customer(people.bob, "上海申通物流有限公司", grade="A")
    long_ago = make_customer(people.bob, "广州创鑫生物科技有限公司", grade="A")
    grade_c = make_customer(people.bob, "成都天府软件有限公司", grade="C")
    limit_a = services.thresholds()["not_contacted_days"]["A"]
    Customer.objects.filter(pk=crossing.pk).update(last_contacted_at=at(TODAY - dt.timedelta(days=limit_a)))
    Customer.objects.filter(pk=not_yet.pk).update(last_contacted_at=at(TODAY - dt.timedelta(days=limit_a - 1)))
    Customer.objects.filter(pk=long_ago.pk).update(last_contacted_at=at(TODAY - dt.timedelta(days=limit_a + 1)))
    Customer.objects.filter(pk=grade_c.pk).update(last_contacted_at=at(TODAY - dt.timedelta(days=limit_a)))
    services.reminders_run(MORNING)
    [note] = notes_of(people.bob)
    assert note.title == (f"北京华信精密机械有限公司 has not been contacted for {limit_a} days; follow up today")


def test_a_customer_never_contacted_counts_from_its_creation(people, make_customer):
    customer = make_customer(people.bob, "苏州新区电子有限公司", grade="B")
    limit_b = services.thresholds()["not_contacted_days"]["B"]
    Customer.objects.filter(pk=customer.pk).update(created_at=at(TODAY - dt.timedelta(days=limit_b), 9),
                                                   last_contacted_at=None)
    assert services.reminders_run(MORNING)["customers.not_contacted"] == 1


def test_owners_hear_of_a_return_to_the_pool_three_days_and_one_day_ahead(people, make_customer):
    soon = make_customer(people.bob, "南京金陵机电有限公司")
    Customer.objects.filter(pk=soon.pk).update(pool_return_due_at=at(TODAY + dt.timedelta(days=3), 2))
    services.reminders_run(MORNING)
    assert "returns to the customer pool on 2026-03-13" in notes_of(people.bob)[0].title
    services.reminders_run(MORNING + dt.timedelta(days=1))  # two days ahead: nothing
    assert len(notes_of(people.bob)) == 1
    services.reminders_run(MORNING + dt.timedelta(days=2))  # tomorrow
    assert len(notes_of(people.bob)) == 2


def test_nobody_inactive_and_no_unowned_customer_is_reminded(people, make_customer):
    mine = make_customer(people.bob, "厦门海远贸易有限公司")
    Customer.objects.filter(pk=mine.pk).update(next_follow_up_at=at(TODAY, 11))
    User.objects.filter(pk=people.bob.pk).update(is_active=False)
    assert services.reminders_run(MORNING).get("customers.follow_up_due", 0) == 0
    assert not SentReminder.objects.exists()


def test_contracts_ending_and_instalments_due_or_overdue(people, make_customer, monkeypatch):
    from guanxi.sales.contracts import services as contract_services
    from guanxi.sales.contracts.models import Contract, Instalment

    limits = services.thresholds()
    contract = contract_services.contract_create(actor=people.bob, data={
        "title": "年度服务合同", "customer": make_customer(people.bob, "武汉光谷科技有限公司"),
        "amount": Decimal("120000.00")})
    contract_services.contract_submit(actor=people.bob, contract=contract)
    contract.refresh_from_db()
    assert contract.status == "active"
    Contract.objects.filter(pk=contract.pk).update(ends_on=TODAY + dt.timedelta(days=limits["contract_ending_days"]))
    due = Instalment.objects.create(contract=contract, sequence=1, amount=Decimal("60000.00"),
                                    due_on=TODAY + dt.timedelta(days=limits["instalment_due_days"]))
    Instalment.objects.create(contract=contract, sequence=2, amount=Decimal("40000.00"),
                              due_on=TODAY - dt.timedelta(days=1), received_amount=Decimal("10000.00"))
    Instalment.objects.create(contract=contract, sequence=3, amount=Decimal("20000.00"),
                              due_on=TODAY - dt.timedelta(days=1), received_amount=Decimal("20000.00"))
    counts = services.reminders_run(MORNING)
    assert (counts["contracts.ending"], counts["contracts.instalment_due"], counts["contracts.instalment_overdue"]) \
        == (1, 1, 1)
    titles = [n.title for n in notes_of(people.bob)]
    assert any(f"Contract {contract.number}" in t and "ends on" in t for t in titles)
    assert any(t.startswith(f"Instalment 1 of contract {contract.number} is due on") and "60,000.00" in t
               for t in titles)
    assert any("overdue since" in t and "30,000.00 outstanding" in t for t in titles)
    assert SentReminder.objects.get(source="contracts.instalment_due").object_id == due.pk


def test_the_digest_lists_the_day_at_each_persons_time_once(people, make_customer):
    for name in ("深圳市腾远电子科技有限公司", "杭州云栖数据有限公司"):
        customer = make_customer(people.alice, name)
        Customer.objects.filter(pk=customer.pk).update(next_follow_up_at=at(TODAY, 16))
    services.reminders_run(MORNING)
    assert services.digests_run(MORNING) == 0  # 08:00: before the default 08:30
    half_past = MORNING + dt.timedelta(minutes=30)
    assert services.digests_run(half_past) == 1
    digest = Notification.objects.get(recipient=people.alice, kind=services.DIGEST_KIND)
    assert digest.title == "今日提醒：2 条"
    assert "今天跟进深圳市腾远电子科技有限公司" in digest.body and "今天跟进杭州云栖数据有限公司" in digest.body
    assert services.digests_run(half_past + dt.timedelta(minutes=15)) == 0
    # People with nothing today get no digest; a person who turned it off gets none either.
    assert not Notification.objects.filter(recipient=people.bob, kind=services.DIGEST_KIND).exists()
    Digest.objects.filter(user=people.alice).update(enabled=False, last_sent_on=None)
    assert services.digests_run(half_past) == 0


def test_every_source_is_a_kind_people_choose_channels_for():
    from guanxi.automation.notifications.registry import notification_kind
    from guanxi.automation.reminders.registry import reminder_sources

    keys = {s.key for s in reminder_sources()}
    assert {"customers.follow_up_due", "customers.not_contacted", "customers.pool_return", "contracts.ending",
            "contracts.instalment_due", "contracts.instalment_overdue"} <= keys
    assert all(notification_kind(key) is not None for key in [*keys, services.DIGEST_KIND])
