"""Who works a lead: assigning by hand, claiming from the pool (also under concurrency), and the
round-robin assignment rules (fair under concurrency too)."""

from collections import Counter

import pytest

from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.system import SYSTEM
from guanxi.core.testing import assert_matrix
from guanxi.sales.leads import services
from guanxi.sales.leads.models import AssignmentRule, Lead

from .concurrency import at_once

pytestmark = pytest.mark.django_db

ASSIGNERS = {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


# -- by hand --


def test_assign_matrix(company, make_lead):
    def assigns(user):
        lead = make_lead(company.alice, f"线索{user.pk}", company="")
        try:
            services.lead_assign(actor=user, ids=[lead.pk], owner=company.bob)
        except (Forbidden, NotFound):
            return False
        lead.refresh_from_db()
        return lead.owner == company.bob

    assert_matrix(company, assigns, ASSIGNERS)


def test_assign_moves_owner_department_and_audits_each(company, make_lead):
    leads = [make_lead(company.alice, f"线索{i}", company="") for i in range(3)]
    pool_lead = make_lead(None, "池中线索", company="")
    n = services.lead_assign(actor=company.carol, ids=[lead.pk for lead in [*leads, pool_lead]], owner=company.bob)
    assert n == 4
    assert set(Lead.objects.values_list("owner", "department")) == {(company.bob.pk, company.sales1.pk)}
    events = AuditEvent.objects.filter(action="lead.assigned")
    assert events.count() == 4
    assert {tuple(e.changes["owner"]) for e in events} == {("王芳", "李强"), (None, "李强")}


def test_assign_only_to_active_users_in_reach_who_see_leads(company, make_lead):
    lead = make_lead(company.alice)
    for owner in (company.dave, company.erin):
        with pytest.raises(DomainError) as caught:
            services.lead_assign(actor=company.carol, ids=[lead.pk], owner=owner)
        assert "owner" in caught.value.errors
    company.bob.is_active = False
    company.bob.save()
    with pytest.raises(DomainError):
        services.lead_assign(actor=company.carol, ids=[lead.pk], owner=company.bob)
    lead.refresh_from_db()
    assert lead.owner == company.alice


def test_assign_with_one_unreachable_id_changes_nothing(company, make_lead):
    mine, dave_s = make_lead(company.alice), make_lead(company.dave, "赵六", company="")
    with pytest.raises(NotFound):
        services.lead_assign(actor=company.carol, ids=[mine.pk, dave_s.pk], owner=company.bob)
    assert Lead.objects.get(pk=mine.pk).owner == company.alice
    assert not AuditEvent.objects.filter(action="lead.assigned").exists()


def test_closed_leads_are_not_assigned(company, make_lead):
    lead = make_lead(company.alice, status="disqualified")
    with pytest.raises(DomainError) as caught:
        services.lead_assign(actor=company.carol, ids=[lead.pk], owner=company.bob)
    assert caught.value.code == "closed"


def test_assign_refuses_more_than_a_thousand_ids(company):
    with pytest.raises(DomainError) as caught:
        services.lead_assign(actor=company.carol, ids=list(range(1, 1002)), owner=company.bob)
    assert caught.value.code == "too_many"


# -- claiming from the pool --


def test_claim_makes_the_seller_the_owner(company, make_lead):
    lead = make_lead(None)
    services.lead_claim(actor=company.bob, lead=lead)
    lead.refresh_from_db()
    assert (lead.owner, lead.department, lead.version) == (company.bob, company.sales1, 2)
    assert lead.assigned_at is not None
    event = AuditEvent.objects.get(action="lead.claimed")
    assert event.actor == company.bob and event.changes == {"owner": [None, "李强"]}
    assert Lead.objects.editable_by(company.bob).filter(pk=lead.pk).exists()


def test_a_claimed_lead_cannot_be_claimed_again(company, make_lead):
    lead = make_lead(None)
    stale = Lead.objects.get(pk=lead.pk)
    services.lead_claim(actor=company.bob, lead=lead)
    # Carol still sees it (her department); her page was loaded before Bob claimed it.
    with pytest.raises(Conflict) as caught:
        services.lead_claim(actor=company.carol, lead=stale)
    assert caught.value.code == "already_claimed" and "李强" in str(caught.value.message)
    # Dave no longer sees it at all: Bob's lead is outside his scope.
    with pytest.raises(NotFound):
        services.lead_claim(actor=company.dave, lead=stale)
    assert Lead.objects.get(pk=lead.pk).owner == company.bob


def test_claim_needs_the_view_right(company, make_lead):
    lead = make_lead(None)
    with pytest.raises((Forbidden, NotFound)):
        services.lead_claim(actor=company.erin, lead=lead)
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_closed_or_deleted_pool_leads_cannot_be_claimed(company, make_lead):
    closed = make_lead(None, status="disqualified")
    with pytest.raises(DomainError) as caught:
        services.lead_claim(actor=company.bob, lead=closed)
    assert caught.value.code == "closed"
    gone = make_lead(None, "王五", company="")
    stale = Lead.objects.get(pk=gone.pk)
    services.lead_delete(actor=SYSTEM, lead=gone)
    with pytest.raises(NotFound):
        services.lead_claim(actor=company.bob, lead=stale)


@pytest.mark.django_db(transaction=True)
def test_sellers_claiming_at_once_exactly_one_wins(company, make_lead):
    lead = make_lead(None)
    sellers = [company.alice, company.bob, company.dave, company.carol]
    results = at_once(lambda user: services.lead_claim(actor=user, lead=Lead.objects.get(pk=lead.pk)),
                      [(u,) for u in sellers])
    winners = [u for u, r in zip(sellers, results, strict=True) if isinstance(r, Lead)]
    losers = [r for r in results if not isinstance(r, Lead)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict | NotFound) for r in losers), results
    lead.refresh_from_db()
    assert lead.owner == winners[0] and lead.version == 2
    assert AuditEvent.objects.filter(action="lead.claimed").count() == 1


# -- the rules --


def test_rules_share_leads_in_turn(company, make_rule):
    make_rule([company.alice, company.bob], sources=["website"])
    owners = [services.lead_create(actor=SYSTEM, data={"name": f"访客{i}", "source": "website"}).owner
              for i in range(6)]
    assert owners == [company.alice, company.bob] * 3
    assert AssignmentRule.objects.get().turns == 6
    assert {e.extra["rule"] for e in AuditEvent.objects.filter(action="lead.assigned")} == {"网站线索"}


def test_first_matching_rule_by_order_wins_and_others_wait_in_the_pool(company, make_rule):
    make_rule([company.bob], "广东展会", sources=["exhibition"], regions=["广东"], position=1)
    make_rule([company.dave], "全部展会", sources=["exhibition"], position=2)
    make_rule([company.alice], "停用", sources=["exhibition"], position=0, is_active=False)

    def owner(**data):
        return services.lead_create(actor=SYSTEM, data={"name": "访客", **data}).owner

    assert owner(source="exhibition", region="广东 深圳") == company.bob
    assert owner(source="exhibition", region="浙江 杭州") == company.dave
    assert owner(source="website", region="广东 深圳") is None


def test_inactive_team_members_are_skipped(company, make_rule):
    make_rule([company.alice, company.bob])
    company.alice.is_active = False
    company.alice.save()
    owners = {services.lead_create(actor=SYSTEM, data={"name": f"访客{i}"}).owner for i in range(3)}
    assert owners == {company.bob}


def test_a_lead_created_by_a_marketer_may_go_to_a_seller_out_of_their_reach(company, make_rule):
    make_rule([company.dave])
    lead = services.lead_create(actor=company.alice, data={"name": "访客"})
    assert lead.owner == company.dave
    assert not Lead.objects.visible_to(company.alice).filter(pk=lead.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_round_robin_is_fair_when_leads_arrive_at_once(company, make_rule):
    make_rule([company.alice, company.bob, company.dave])

    def create(i):
        return services.lead_create(actor=SYSTEM, data={"name": f"并发访客{i}"})

    results = at_once(create, [(i,) for i in range(9)])
    assert all(isinstance(r, Lead) for r in results), results
    assert Counter(Lead.objects.values_list("owner", flat=True)) == {
        company.alice.pk: 3, company.bob.pk: 3, company.dave.pk: 3}
    assert AssignmentRule.objects.get().turns == 9


def test_apply_rules_assigns_the_pool_on_demand(company, make_rule, make_lead):
    waiting = [make_lead(None, f"池{i}", company="", source="website") for i in range(3)]
    other = make_lead(None, "别的来源", company="", source="referral")
    make_rule([company.alice, company.bob], sources=["website"])
    assert services.lead_apply_rules(actor=company.carol) == 3
    assert [Lead.objects.get(pk=lead.pk).owner for lead in waiting] == [company.alice, company.bob, company.alice]
    assert Lead.objects.get(pk=other.pk).owner is None
    assert services.lead_apply_rules(actor=company.carol) == 0


def test_apply_rules_on_chosen_leads_only(company, make_rule, make_lead):
    first, second = make_lead(None, "甲", company=""), make_lead(None, "乙", company="")
    make_rule([company.bob])
    assert services.lead_apply_rules(actor=company.root, ids=[second.pk]) == 1
    assert Lead.objects.get(pk=first.pk).owner is None


def test_apply_rules_needs_the_assign_right(company):
    with pytest.raises(Forbidden):
        services.lead_apply_rules(actor=company.alice)


def test_rules_need_the_assign_right(company):
    assert_matrix(company, lambda u: _creates_rule(u, company.alice), ASSIGNERS)


def _creates_rule(user, member) -> bool:
    try:
        services.rule_create(actor=user, data={"name": f"规则{user.pk}"}, members=[member])
    except Forbidden:
        return False
    return True


@pytest.mark.parametrize("data,members,field", [
    ({"name": ""}, ["alice"], "name"),
    ({"name": "x" * 81}, ["alice"], "name"),
    ({"name": "规则"}, [], "members"),
    ({"name": "规则"}, ["erin"], "members"),
    ({"name": "规则"}, ["dave"], "members"),
    ({"name": "规则", "sources": ["carrier_pigeon"]}, ["alice"], "sources"),
    ({"name": "规则", "regions": ["x" * 61]}, ["alice"], "regions"),
])
def test_bad_rules_are_refused(company, data, members, field):
    with pytest.raises(DomainError) as caught:
        services.rule_create(actor=company.carol, data=data, members=[getattr(company, m) for m in members])
    assert field in caught.value.errors
    assert not AssignmentRule.objects.exists()


def test_rule_update_replaces_the_team_and_refuses_stale_versions(company, make_rule):
    rule = make_rule([company.alice])
    services.rule_update(actor=company.carol, rule=rule, data={"regions": ["上海"]},
                         members=[company.bob, company.alice], expected_version=1)
    rule.refresh_from_db()
    assert rule.regions == ["上海"] and rule.version == 2
    assert [m.user for m in rule.memberships.all()] == [company.bob, company.alice]
    with pytest.raises(Conflict):
        services.rule_update(actor=company.carol, rule=rule, data={"name": "旧"}, expected_version=1)
    services.rule_delete(actor=company.carol, rule=rule)
    assert not AssignmentRule.objects.exists()
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="lead_rule.").order_by("id")] == [
        "lead_rule.created", "lead_rule.updated", "lead_rule.deleted"]
