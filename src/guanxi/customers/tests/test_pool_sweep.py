"""The daily return sweep, with time moved by passing `now`: who returns under which rule, who is put on
notice and when the notice is lifted, the history and audit it leaves, and that it works in batches."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.activities import services as activity_services
from guanxi.core.errors import Forbidden
from guanxi.core.models import AuditEvent, Collaborator
from guanxi.customers import services
from guanxi.customers.models import Customer, OwnershipEvent
from guanxi.customers.pool.choices import OwnershipEventKind, ReturnRule
from guanxi.customers.pool.sweep import pool_sweep

from .pool_support import NOW, days_before, reload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FOLLOW_UP_30 = {"grade": "", "no_follow_up_days": 30, "warn_days": 5}


def test_customers_without_a_follow_up_for_n_days_return_to_their_pool(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    stale = owned(company.alice, "四十天没跟进", contacted=40)
    never = owned(company.bob, "从没跟进", created=31)
    fresh = owned(company.alice, "十天前跟进", contacted=10)
    new = owned(company.alice, "刚建的", created=3)
    result = pool_sweep(now=NOW)
    assert result.returned == 2
    assert {c.pk for c in Customer.objects.filter(owner__isnull=True, pool=pools.team)} == {stale.pk, never.pk}
    assert reload(fresh).owner_id == company.alice.pk and reload(new).owner_id == company.alice.pk
    event = OwnershipEvent.objects.get(customer=stale)
    assert (event.kind, event.rule, event.rule_days, event.previous_owner_id, event.actor_id, event.at) == (
        OwnershipEventKind.AUTO_RETURNED, ReturnRule.NO_FOLLOW_UP, 30, company.alice.pk, None, NOW)
    audit = AuditEvent.objects.get(action="customer.returned_to_pool", object_id=str(stale.pk))
    assert audit.changes == {"owner": ["王芳", None], "pool": [None, "销售一部公海"]}
    assert audit.timeline_key == f"customers.customer:{stale.pk}" and audit.actor_id is None


def test_a_pools_rules_reach_customers_of_its_department_and_the_default_pool_the_rest(company, pools, owned,
                                                                                       set_rules):
    set_rules(pools.company, {"grade": "", "no_follow_up_days": 60})
    set_rules(pools.team, {"grade": "", "no_follow_up_days": 90})
    alices = owned(company.alice, "一部的", contacted=70)
    daves = owned(company.dave, "二部的", contacted=70)
    nobodys_department = owned(company.root, "总部的", contacted=70)
    came_from_team_pool = owned(company.dave, "从一部公海领的", contacted=70, pool=pools.team)
    result = pool_sweep(now=NOW)
    assert result.returned == 2
    assert reload(alices).owner_id is not None and reload(came_from_team_pool).owner_id is not None
    assert reload(daves).pool_id == pools.company.pk and reload(nobodys_department).pool_id == pools.company.pk


def test_no_won_deal_rule_counts_from_the_last_deal(company, pools, owned, set_rules):
    set_rules(pools.team, {"grade": "", "no_deal_days": 180})
    old_deal = owned(company.alice, "半年没成交", deal=200, contacted=1)
    recent_deal = owned(company.alice, "最近成交", deal=20)
    never_but_young = owned(company.alice, "新客户没成交", created=100)
    services.customer_note_deal(customer_id=never_but_young.pk, at=days_before(1))
    result = pool_sweep(now=NOW)
    assert result.returned == 1 and result.returned_by_rule[ReturnRule.NO_DEAL] == 1
    assert reload(old_deal).in_pool and not reload(recent_deal).in_pool and not reload(never_but_young).in_pool
    assert OwnershipEvent.objects.get(customer=old_deal).rule == ReturnRule.NO_DEAL


def test_a_grades_own_rule_replaces_the_default(company, pools, owned, set_rules):
    set_rules(pools.team, {"grade": "", "no_follow_up_days": 30}, {"grade": "A", "no_follow_up_days": 90},
              {"grade": "B", "max_owned": 5})
    plain = owned(company.alice, "普通", contacted=40)
    key = owned(company.alice, "重点", contacted=40, grade="A")
    key_long = owned(company.alice, "重点很久", contacted=100, grade="A")
    b_grade = owned(company.alice, "B级", contacted=400, grade="B")
    pool_sweep(now=NOW)
    assert reload(plain).in_pool and reload(key_long).in_pool
    assert not reload(key).in_pool and not reload(b_grade).in_pool  # B's own rule has no return limit


def test_a_recent_claim_restarts_the_clock(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    claimed = owned(company.alice, "刚领的老客户", contacted=300, claimed=2)
    assert pool_sweep(now=NOW).returned == 0
    assert pool_sweep(now=days_before(-29)).returned == 1
    assert reload(claimed).in_pool


def test_owners_are_warned_k_days_before_and_see_it(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    soon = owned(company.alice, "快要退回", contacted=27)
    later = owned(company.alice, "还早", contacted=20)
    result = pool_sweep(now=NOW)
    assert (result.returned, result.newly_warned, result.warned) == (0, 1, 1)
    soon = reload(soon)
    assert soon.pool_return_due_at == days_before(-3) and soon.pool_return_rule == ReturnRule.NO_FOLLOW_UP
    assert soon.pool_return_pending == days_before(-3)
    assert reload(later).pool_return_pending is None
    # The next day the notice stands but is not new.
    again = pool_sweep(now=days_before(-1))
    assert (again.newly_warned, again.warned, again.lifted) == (0, 1, 0)


def test_a_follow_up_lifts_the_notice_at_once_and_the_next_sweep_clears_it(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    customer = owned(company.alice, "快要退回", contacted=27)
    pool_sweep(now=days_before(1))
    activity_services.follow_up_create(actor=company.alice, customer=reload(customer),
                                       data={"content": "电话回访", "occurred_at": days_before(0.5)})
    assert reload(customer).pool_return_due_at is not None
    assert reload(customer).pool_return_pending is None
    result = pool_sweep(now=NOW)
    assert (result.lifted, result.warned, result.returned) == (1, 0, 0)
    assert reload(customer).pool_return_due_at is None


def test_the_earlier_of_two_rules_is_the_notice(company, pools, owned, set_rules):
    set_rules(pools.team, {"grade": "", "no_follow_up_days": 30, "no_deal_days": 100, "warn_days": 10})
    customer = owned(company.alice, contacted=25, deal=97)
    pool_sweep(now=NOW)
    customer = reload(customer)
    assert customer.pool_return_rule == ReturnRule.NO_DEAL and customer.pool_return_due_at == days_before(-3)


def test_returning_clears_the_team_and_the_notice(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    customer = owned(company.alice, contacted=28)
    services.customer_set_collaborator(actor=company.alice, customer=customer, user=company.dave, can_edit=False)
    pool_sweep(now=days_before(1))
    assert reload(customer).pool_return_due_at is not None
    pool_sweep(now=days_before(-3))
    customer = reload(customer)
    assert customer.in_pool and customer.pool_return_due_at is None and customer.pool_warned_at is None
    assert not Collaborator.objects.filter(object_id=customer.pk).exists()
    audit = AuditEvent.objects.get(action="customer.returned_to_pool")
    assert audit.extra == {"rule": "no_follow_up", "days": 30, "team_removed": 1}


def test_the_sweep_runs_again_without_doing_anything_twice(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    owned(company.alice, contacted=40)
    owned(company.alice, contacted=27)
    first = pool_sweep(now=NOW)
    second = pool_sweep(now=NOW)
    assert (first.returned, first.newly_warned) == (1, 1)
    assert (second.returned, second.newly_warned, second.warned, second.lifted) == (0, 0, 1, 0)
    assert OwnershipEvent.objects.count() == 1


def test_deleted_customers_are_left_in_the_recycle_bin(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    customer = owned(company.alice, contacted=40)
    services.customer_delete(actor=company.alice, customer=customer)
    assert pool_sweep(now=NOW).returned == 0
    assert Customer.objects.get(pk=customer.pk).owner_id == company.alice.pk


@pytest.mark.parametrize("batch_size", [1, 2, 1000])
def test_every_stale_customer_returns_whatever_the_batch_size(company, pools, owned, set_rules, batch_size):
    set_rules(pools.team, FOLLOW_UP_30)
    stale = [owned(company.alice, f"客户{i}", contacted=31 + i % 3) for i in range(7)]
    kept = owned(company.alice, "保留", contacted=3)
    result = pool_sweep(now=NOW, batch_size=batch_size)
    assert result.returned == 7
    assert set(Customer.objects.filter(owner__isnull=True).values_list("pk", flat=True)) == {c.pk for c in stale}
    assert OwnershipEvent.objects.count() == 7 and not reload(kept).in_pool
    assert AuditEvent.objects.filter(action="customer.returned_to_pool").count() == 7


def test_the_sweep_works_in_bulk_queries_do_not_grow_with_customers(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    counts = []
    for n, day in ((3, 0), (40, 5)):
        for i in range(n):
            owned(company.alice, f"批{n}-{i}", contacted=40)
        with CaptureQueriesContext(connection) as ctx:
            assert pool_sweep(now=days_before(-day)).returned == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_the_sweep_needs_the_right_to_manage_pools(company):
    with pytest.raises(Forbidden):
        pool_sweep(actor=company.carol, now=NOW)


def test_the_command_reports_what_it_did(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    owned(company.alice, contacted=40)
    owned(company.alice, contacted=26)
    out = io.StringIO()
    call_command("pool-sweep", "--now", "2026-03-02T02:00", stdout=out)
    assert out.getvalue().strip() == "Returned to the pool: 1. On notice: 1 (new: 1). Notices lifted: 0."


@pytest.mark.parametrize("args", [["--now", "yesterday"], ["--batch-size", "0"], ["--batch-size", "many"]])
def test_the_command_refuses_bad_options(args):
    with pytest.raises(CommandError):
        call_command("pool-sweep", *args)


def test_time_is_the_servers_when_none_is_given(company, pools, owned, set_rules):
    set_rules(pools.team, FOLLOW_UP_30)
    customer = owned(company.alice, contacted=None, created=1)
    Customer.objects.filter(pk=customer.pk).update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=31))
    assert pool_sweep().returned == 1
