"""The customer pool's rules of access and its services: who sees which pool, who may claim, assign,
return and configure, the owned-customers limit and the reclaim wait, and bad input."""

import pytest
from django.utils import translation

from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent, Collaborator
from guanxi.core.system import SYSTEM
from guanxi.core.testing import assert_matrix
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer, CustomerPool, OwnershipEvent, PoolRule
from guanxi.customers.pool import selectors as pool_selectors
from guanxi.customers.pool import services as pool_services
from guanxi.customers.pool.choices import OwnershipEventKind
from guanxi.org.models import User

from .pool_support import NOW, days_before, reload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TEAM_POOL_MEMBERS = {"alice": True, "bob": True, "carol": True, "dave": False, "erin": False, "root": True}
EVERYONE_WHO_VIEWS = {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True}


def _fresh(user):
    """The user as a new request would load them (no cached roles or pools)."""
    return User.objects.get(pk=user.pk)


def _attempt(fn) -> str:
    try:
        fn()
    except NotFound:
        return "404"
    except Forbidden:
        return "403"
    except DomainError as exc:
        return exc.code
    return "ok"


# -- who sees which pool --


def test_pool_customers_are_visible_to_the_pools_members_only(company, pools, pooled):
    everyone = pooled(pools.company, "公海客户")
    team = pooled(pools.team, "一部公海客户")

    def sees(customer):
        return lambda u: Customer.objects.visible_to(_fresh(u)).filter(pk=customer.pk).exists()

    assert_matrix(company, sees(everyone), EVERYONE_WHO_VIEWS)
    assert_matrix(company, sees(team), TEAM_POOL_MEMBERS)


def test_sub_departments_belong_to_their_parents_pool(company, pools, pooled):
    pool = pool_services.pool_create(actor=SYSTEM, data={"name": "销售部公海", "department": company.sales})
    customer = pooled(pool)
    # dave (销售二部) sits under 销售部; root (总部) sits above it.
    assert Customer.objects.visible_to(_fresh(company.dave)).filter(pk=customer.pk).exists()
    assert pool.pk in pool_selectors.visible_pool_ids(_fresh(company.dave))
    root_member = pool_services.membership.member_pool_ids(_fresh(company.root))
    assert pool.pk not in root_member


def test_pool_customers_are_read_only_until_claimed_except_for_admins(company, pools, pooled):
    customer = pooled(pools.team)
    expected = {"alice": False, "bob": False, "carol": False, "dave": False, "erin": False, "root": True}
    assert_matrix(company, lambda u: Customer.objects.editable_by(_fresh(u)).filter(pk=customer.pk).exists(),
                  expected)
    with pytest.raises(Forbidden):
        services.customer_update(actor=_fresh(company.alice), customer=customer, data={"name": "改名"})
    with pytest.raises(Forbidden):
        services.contact_create(actor=_fresh(company.carol), customer=customer, data={"name": "张三"})
    assert reload(customer).name == "待领取客户"


def test_contacts_of_pool_customers_are_seen_by_the_pools_members(company, pools, pooled):
    customer = pooled(pools.team)
    contact = services.contact_create(actor=SYSTEM, customer=customer, data={"name": "联系人甲"})
    assert_matrix(company, lambda u: Contact.objects.visible_to(_fresh(u)).filter(pk=contact.pk).exists(),
                  TEAM_POOL_MEMBERS)


def test_the_recycle_bin_keeps_to_the_data_scope(company, pools, pooled):
    customer = pooled(pools.company)
    Customer.objects.filter(pk=customer.pk).update(deleted_at=NOW)
    assert not Customer.objects.deleted().within_scope(_fresh(company.alice)).filter(pk=customer.pk).exists()
    assert not Customer.objects.visible_to(_fresh(company.alice)).filter(pk=customer.pk).exists()


def test_pool_list_shows_each_user_their_pools(company, pools):
    names = {name: {p.name for p in pool_selectors.pool_list(actor=_fresh(u))} for name, u in company.cast().items()}
    assert names == {"alice": {"公海", "销售一部公海"}, "bob": {"公海", "销售一部公海"},
                     "carol": {"公海", "销售一部公海"}, "dave": {"公海"}, "erin": set(),
                     "root": {"公海", "销售一部公海"}}


# -- claiming --


def test_claim_matrix(company, pools, pooled):
    def claims(user):
        customer = pooled(pools.team, f"给{user.username}")
        return _attempt(lambda: pool_services.customer_claim(actor=_fresh(user), customer=customer))

    outcome = {name: claims(u) for name, u in company.cast().items()}
    assert outcome == {"alice": "ok", "bob": "ok", "carol": "ok", "dave": "404", "erin": "403", "root": "ok"}


def test_claim_makes_the_claimant_owner_and_records_it(company, pools, pooled):
    customer = pooled(pools.team, "华为")
    alice = _fresh(company.alice)
    pool_services.customer_claim(actor=alice, customer=customer, now=NOW)
    customer = reload(customer)
    assert (customer.owner_id, customer.department_id, customer.pool_id) == (alice.pk, company.sales1.pk,
                                                                             pools.team.pk)
    assert customer.claimed_at == NOW and not customer.in_pool
    event = OwnershipEvent.objects.get(customer=customer)
    assert (event.kind, event.new_owner_id, event.actor_id, event.pool_name) == (
        OwnershipEventKind.CLAIMED, alice.pk, alice.pk, "销售一部公海")
    audit = AuditEvent.objects.get(action="customer.claimed")
    assert audit.changes == {"owner": [None, "王芳"]}
    # Now hers to edit, and gone from bob's view.
    assert Customer.objects.editable_by(alice).filter(pk=customer.pk).exists()
    assert not Customer.objects.visible_to(_fresh(company.bob)).filter(pk=customer.pk).exists()


def test_a_customer_already_claimed_is_a_conflict_for_the_next_one(company, pools, pooled):
    customer = pooled(pools.company)
    seen_by_bob = reload(customer)
    pool_services.customer_claim(actor=_fresh(company.alice), customer=customer)
    with pytest.raises(Conflict) as exc:
        pool_services.customer_claim(actor=_fresh(company.bob), customer=seen_by_bob)
    assert exc.value.code == "already_claimed"
    assert "Someone else took this customer from the pool first." in str(exc.value.message)
    assert reload(customer).owner_id == company.alice.pk
    assert OwnershipEvent.objects.count() == 1


def test_someone_elses_customer_cannot_be_claimed_and_looks_missing(company, pools, make_customer):
    customer = make_customer(company.dave, "戴夫的客户")
    Customer.objects.filter(pk=customer.pk).update(pool=pools.company)  # its home pool
    assert _attempt(lambda: pool_services.customer_claim(actor=_fresh(company.alice),
                                                         customer=reload(customer))) == "404"
    own = make_customer(company.alice, "自己的")
    assert _attempt(lambda: pool_services.customer_claim(actor=_fresh(company.alice),
                                                         customer=own)) == "not_in_pool"


# -- the owned-customers limit and the reclaim wait --


def test_claims_stop_at_the_owned_customers_limit_with_a_clear_message(company, pools, pooled, make_customer,
                                                                       set_rules):
    set_rules(pools.team, {"grade": "", "max_owned": 2})
    make_customer(company.alice, "已有一")
    make_customer(company.alice, "已有二")
    customer = pooled(pools.team)
    with pytest.raises(DomainError) as exc:
        pool_services.customer_claim(actor=_fresh(company.alice), customer=customer)
    assert exc.value.code == "pool_limit_reached"
    assert str(exc.value.message) == ("You may own at most 2 customers under this pool's rules, and you own 2. "
                                      "Return one you no longer work on first.")
    with translation.override("zh-hans"):
        with pytest.raises(DomainError) as zh:
            pool_services.customer_claim(actor=_fresh(company.alice), customer=customer)
        assert "最多" in str(zh.value.message)
    assert reload(customer).in_pool
    # bob owns none: he may.
    pool_services.customer_claim(actor=_fresh(company.bob), customer=customer)


def test_a_grades_limit_counts_only_that_grade(company, pools, pooled, make_customer, set_rules):
    set_rules(pools.team, {"grade": "A", "max_owned": 1}, {"grade": "", "max_owned": 10})
    make_customer(company.alice, "A级老客户", grade="A")
    another_a = pooled(pools.team, "A级新客户", grade="A")
    a_c = pooled(pools.team, "C级客户", grade="C")
    with pytest.raises(DomainError) as exc:
        pool_services.customer_claim(actor=_fresh(company.alice), customer=another_a)
    assert "at most 1 grade A customers" in str(exc.value.message)
    pool_services.customer_claim(actor=_fresh(company.alice), customer=a_c)


def test_a_previous_owner_waits_before_claiming_again(company, pools, owned, set_rules):
    set_rules(pools.team, {"grade": "", "reclaim_wait_days": 7})
    customer = owned(company.alice, "退回的客户")
    pool_services.customer_return_to_pool(actor=_fresh(company.alice), customer=customer, reason="没有需求",
                                          now=days_before(3))
    with pytest.raises(DomainError) as exc:
        pool_services.customer_claim(actor=_fresh(company.alice), customer=reload(customer), now=NOW)
    assert exc.value.code == "pool_reclaim_wait"
    assert "you may claim it again from" in str(exc.value.message)
    # Someone else may, and so may alice once the wait is over.
    assert _attempt(lambda: pool_services.customer_claim(actor=_fresh(company.alice), customer=reload(customer),
                                                         now=days_before(-5))) == "ok"


def test_the_reclaim_wait_does_not_bind_a_managers_assignment(company, pools, owned, set_rules):
    set_rules(pools.team, {"grade": "", "reclaim_wait_days": 30})
    customer = owned(company.alice)
    pool_services.customer_return_to_pool(actor=_fresh(company.alice), customer=customer, reason="暂不跟进")
    n = pool_services.customer_assign_from_pool(actor=_fresh(company.carol), ids=[customer.pk],
                                                owner=_fresh(company.alice))
    assert n == 1 and reload(customer).owner_id == company.alice.pk


# -- assigning --


def test_assign_matrix(company, pools, pooled):
    def assigns(user):
        customer = pooled(pools.team, f"由{user.username}分配")
        return _attempt(lambda: pool_services.customer_assign_from_pool(
            actor=_fresh(user), ids=[customer.pk], owner=_fresh(company.bob)))

    outcome = {name: assigns(u) for name, u in company.cast().items()}
    assert outcome == {"alice": "403", "bob": "403", "carol": "ok", "dave": "403", "erin": "403", "root": "ok"}


def test_assign_gives_several_customers_and_records_each(company, pools, pooled):
    customers = [pooled(pools.team, f"客户{i}") for i in range(3)]
    carol = _fresh(company.carol)
    n = pool_services.customer_assign_from_pool(actor=carol, ids=[c.pk for c in customers], owner=_fresh(company.bob))
    assert n == 3
    assert set(Customer.objects.filter(owner=company.bob).values_list("pk", flat=True)) == {c.pk for c in customers}
    assigned = OwnershipEvent.objects.filter(kind=OwnershipEventKind.ASSIGNED, actor=carol, new_owner=company.bob)
    assert assigned.count() == 3
    assert AuditEvent.objects.filter(action="customer.assigned_from_pool").count() == 3


def test_assign_refuses_sellers_outside_the_pool_or_the_managers_reach(company, pools, pooled):
    customer = pooled(pools.team)
    with pytest.raises(DomainError) as outside:
        pool_services.customer_assign_from_pool(actor=_fresh(company.root), ids=[customer.pk],
                                                owner=_fresh(company.dave))
    assert "does not belong to the pool" in outside.value.errors["owner"][0]
    with pytest.raises(DomainError) as beyond:
        pool_services.customer_assign_from_pool(actor=_fresh(company.carol), ids=[customer.pk],
                                                owner=_fresh(company.root))
    assert beyond.value.errors == {"owner": ["Choose an active seller in your team."]}
    assert reload(customer).in_pool


def test_assign_is_all_or_nothing(company, pools, pooled, make_customer):
    waiting = pooled(pools.team)
    taken = make_customer(company.bob, "已有主")
    with pytest.raises(Conflict):
        pool_services.customer_assign_from_pool(actor=_fresh(company.carol), ids=[waiting.pk, taken.pk],
                                                owner=_fresh(company.alice))
    assert reload(waiting).in_pool and reload(taken).owner_id == company.bob.pk
    with pytest.raises(NotFound):
        pool_services.customer_assign_from_pool(actor=_fresh(company.carol), ids=[waiting.pk, 10**12],
                                                owner=_fresh(company.alice))
    assert OwnershipEvent.objects.count() == 0


def test_assign_respects_the_owned_customers_limit(company, pools, pooled, make_customer, set_rules):
    set_rules(pools.team, {"grade": "", "max_owned": 2})
    make_customer(company.alice, "已有")
    customers = [pooled(pools.team, f"客户{i}") for i in range(2)]
    with pytest.raises(DomainError) as exc:
        pool_services.customer_assign_from_pool(actor=_fresh(company.carol), ids=[c.pk for c in customers],
                                                owner=_fresh(company.alice))
    assert str(exc.value.message) == "王芳 may own at most 2 customers under this pool's rules, and owns 1."
    assert all(reload(c).in_pool for c in customers)


# -- returning --


def test_return_puts_the_customer_in_its_home_pool_with_the_reason_and_clears_its_team(company, pools, owned):
    customer = owned(company.alice, "要退回的")
    services.customer_set_collaborator(actor=company.alice, customer=customer, user=company.dave, can_edit=True)
    event = pool_services.customer_return_to_pool(actor=_fresh(company.alice), customer=customer,
                                                  reason="  客户暂无预算  ")
    customer = reload(customer)
    assert customer.in_pool and customer.pool_id == pools.team.pk and customer.department_id is None
    assert (event.kind, event.reason, event.previous_owner_id) == (OwnershipEventKind.RETURNED, "客户暂无预算",
                                                                   company.alice.pk)
    assert not Collaborator.objects.filter(object_id=customer.pk).exists()
    assert not Customer.objects.visible_to(_fresh(company.dave)).filter(pk=customer.pk).exists()
    audit = AuditEvent.objects.get(action="customer.returned_to_pool")
    assert audit.changes == {"owner": ["王芳", None], "pool": [None, "销售一部公海"]}
    assert audit.extra["reason"] == "客户暂无预算" and audit.extra["team_removed"] == 1


def test_a_customer_never_in_a_pool_returns_to_its_departments_pool_else_the_company_pool(company, pools, owned):
    alices, daves = owned(company.alice), owned(company.dave)
    pool_services.customer_return_to_pool(actor=_fresh(company.alice), customer=alices, reason="不跟了")
    pool_services.customer_return_to_pool(actor=_fresh(company.dave), customer=daves, reason="不跟了")
    assert reload(alices).pool_id == pools.team.pk
    assert reload(daves).pool_id == pools.company.pk


def test_return_matrix(company, pools, owned):
    def returns(user):
        customer = owned(company.alice, f"退回{user.username}")
        return _attempt(lambda: pool_services.customer_return_to_pool(actor=_fresh(user), customer=customer,
                                                                      reason="理由"))

    outcome = {name: returns(u) for name, u in company.cast().items()}
    assert outcome == {"alice": "ok", "bob": "404", "carol": "ok", "dave": "404", "erin": "404", "root": "ok"}


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Say why the customer goes back to the pool."),
    ("   ", "Say why the customer goes back to the pool."),
    ("很" * 501, "Keep the reason under 500 characters."),
    (None, "Say why the customer goes back to the pool."),
])
def test_return_needs_a_short_reason(company, pools, owned, reason, message):
    customer = owned(company.alice)
    with pytest.raises(DomainError) as exc:
        pool_services.customer_return_to_pool(actor=_fresh(company.alice), customer=customer, reason=reason)
    assert exc.value.errors == {"reason": [message]}
    assert reload(customer).owner_id == company.alice.pk and not OwnershipEvent.objects.exists()


def test_return_without_any_pool_says_so(company, owned):
    customer = owned(company.alice)
    with pytest.raises(DomainError) as exc:
        pool_services.customer_return_to_pool(actor=_fresh(company.alice), customer=customer, reason="理由")
    assert exc.value.code == "no_pool"
    assert reload(customer).owner_id == company.alice.pk


def test_returning_a_customer_someone_else_took_meanwhile_changes_nothing(company, pools, owned):
    customer = owned(company.alice)
    stale = reload(customer)
    services.customer_bulk_transfer(actor=company.carol, ids=[customer.pk], owner=company.bob)
    with pytest.raises(Conflict):
        pool_services.customer_return_to_pool(actor=SYSTEM, customer=stale, reason="理由")
    assert reload(customer).owner_id == company.bob.pk


def test_script_in_a_reason_is_kept_as_text(company, pools, owned):
    customer = owned(company.alice)
    event = pool_services.customer_return_to_pool(actor=_fresh(company.alice), customer=customer,
                                                  reason="<script>alert(1)</script>'; DROP TABLE x; --")
    assert OwnershipEvent.objects.get(pk=event.pk).reason == "<script>alert(1)</script>'; DROP TABLE x; --"


# -- configuring pools --


def test_only_pool_admins_configure_pools(company):
    outcome = {name: _attempt(lambda u=u: pool_services.pool_create(actor=_fresh(u), data={"name": f"池{u.pk}"}))
               for name, u in company.cast().items()}
    assert outcome == {"alice": "403", "bob": "403", "carol": "403", "dave": "403", "erin": "403", "root": "ok"}


def test_pool_with_rules_is_saved_audited_and_replaced(company):
    pool = pool_services.pool_create(actor=company.root, data={"name": "华南公海", "department": company.sales2},
                                     rules=[{"grade": "", "no_follow_up_days": 30, "warn_days": 5},
                                            {"grade": "A", "no_deal_days": 90, "max_owned": 5}])
    assert {r.grade: (r.no_follow_up_days, r.no_deal_days, r.warn_days, r.max_owned)
            for r in pool.rules.all()} == {"": (30, None, 5, None), "A": (None, 90, None, 5)}
    pool_services.pool_update(actor=company.root, pool=pool, data={"name": "华南公海二"},
                              rules=[{"grade": "B", "reclaim_wait_days": 3}], expected_version=pool.version)
    assert list(PoolRule.objects.filter(pool=pool).values_list("grade", "reclaim_wait_days")) == [("B", 3)]
    update = AuditEvent.objects.get(action="customer_pool.updated")
    assert update.changes["name"] == ["华南公海", "华南公海二"] and "rules" in update.changes


@pytest.mark.parametrize(("rules", "field", "message"), [
    ([{"grade": "", "warn_days": 3}], "rules.0.warn_days",
     "A warning needs a return rule: set the days without a follow-up or a deal."),
    ([{"grade": "", "no_follow_up_days": 10, "warn_days": 10}], "rules.0.warn_days",
     "Warn fewer days before the return than the return rule's own days."),
    ([{"grade": "", "no_follow_up_days": 0}], "rules.0.no_follow_up_days",
     "Ensure this value is greater than or equal to 1."),
    ([{"grade": "", "max_owned": -5}], "rules.0.max_owned", "Ensure this value is greater than or equal to 1."),
    ([{"grade": "", "no_deal_days": "soon"}], "rules.0.no_deal_days", "“soon” value must be an integer."),
    ([{"grade": "Z"}], "rules.0.grade", "Value 'Z' is not a valid choice."),
    ([{"grade": "A"}, {"grade": "A"}], "rules.1.grade", "Each grade may have one rule only."),
    ([{"grade": "", "colour": "red"}], "rules.0", "These fields cannot be set: colour"),
])
def test_bad_rules_are_refused_per_row_and_nothing_is_saved(company, rules, field, message):
    with pytest.raises(DomainError) as exc:
        pool_services.pool_create(actor=company.root, data={"name": "坏规则"}, rules=rules)
    assert message in exc.value.errors[field]
    assert not CustomerPool.objects.exists() and not PoolRule.objects.exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"name": ""}, "name"),
    ({"name": "名" * 81}, "name"),
    ({"name": "公海"}, "name"),
    ({"name": "另一个", "department": "sales1"}, "department"),
])
def test_bad_pool_fields_are_refused(company, pools, data, field):
    data = {**data, **({"department": company.sales1} if data.get("department") == "sales1" else {})}
    with pytest.raises(DomainError) as exc:
        pool_services.pool_create(actor=company.root, data=data)
    assert field in exc.value.errors
    assert CustomerPool.objects.count() == 2


def test_stale_pool_edit_is_a_conflict(company, pools):
    old = CustomerPool.objects.get(pk=pools.company.pk)
    pool_services.pool_update(actor=company.root, pool=pools.company, data={"description": "新说明"},
                              expected_version=old.version)
    with pytest.raises(Conflict):
        pool_services.pool_update(actor=company.root, pool=old, data={"name": "覆盖"}, expected_version=old.version)
    assert CustomerPool.objects.get(pk=pools.company.pk).name == "公海"


def test_a_pool_with_waiting_customers_is_not_deleted(company, pools, pooled, owned):
    waiting = pooled(pools.team)
    with pytest.raises(DomainError) as exc:
        pool_services.pool_delete(actor=company.root, pool=pools.team)
    assert exc.value.code == "pool_not_empty"
    pool_services.customer_assign_from_pool(actor=company.root, ids=[waiting.pk], owner=company.alice)
    returning_there = owned(company.bob, pool=pools.team)
    pool_services.pool_delete(actor=company.root, pool=pools.team)
    assert reload(returning_there).pool_id is None and reload(waiting).pool_id is None
    assert pools.team.pk not in pool_selectors.visible_pool_ids(_fresh(company.alice))


def test_follow_ups_of_pool_customers_are_seen_by_the_pools_members(company, pools, owned):
    from guanxi.activities import services as activity_services
    from guanxi.activities.models import FollowUp

    customer = owned(company.alice, "有跟进的客户")
    follow_up = activity_services.follow_up_create(actor=company.alice, customer=customer,
                                                   data={"content": "拜访过，预算下季度"})
    pool_services.customer_return_to_pool(actor=_fresh(company.alice), customer=reload(customer), reason="暂停")
    assert_matrix(company, lambda u: FollowUp.objects.visible_to(_fresh(u)).filter(pk=follow_up.pk).exists(),
                  TEAM_POOL_MEMBERS)
