"""Converting a lead (线索转化): a new customer and contact, or attaching to an existing customer; the
follow-ups carried over with their times and authors; all or nothing; the lead read-only after."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.activities.models import FollowUp
from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import Role
from guanxi.sales.leads import selectors, services
from guanxi.sales.leads.models import Lead
from guanxi.sales.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def qualified(company, make_lead, log_follow_up):
    """Alice's qualified lead with two follow-ups: one hers, one her manager's."""
    lead = make_lead(company.alice, "张伟", company="杭州云栖科技有限公司", title="采购经理", phone="13812345678",
                     email="zhang@yunqi.cn", source="website", region="浙江 杭州")
    first_at = timezone.now() - dt.timedelta(days=3)
    second_at = timezone.now() - dt.timedelta(days=1)
    log_follow_up(company.alice, lead, "第一次电话", occurred_at=first_at, kind="call")
    log_follow_up(company.carol, lead, "上门拜访", occurred_at=second_at, kind="visit",
                  next_follow_up_at=second_at + dt.timedelta(days=7))
    lead.refresh_from_db()
    services.lead_update(actor=company.alice, lead=lead, data={"status": "qualified"})
    lead.refresh_from_db()
    lead.times = (first_at, second_at)
    return lead


def test_convert_creates_customer_and_contact_and_carries_follow_ups(company, qualified):
    result = services.lead_convert(actor=company.alice, lead=qualified)
    customer, contact = result.customer, result.contact
    assert contact is not None
    assert (customer.name, customer.kind, customer.source, customer.region) == (
        "杭州云栖科技有限公司", "company", "website", "浙江 杭州")
    assert (customer.owner, customer.department) == (company.alice, company.sales1)
    assert (contact.customer, contact.name, contact.title, contact.mobile_e164, contact.email) == (
        customer, "张伟", "采购经理", "+8613812345678", "zhang@yunqi.cn")
    carried = list(FollowUp.objects.filter(customer=customer).order_by("occurred_at"))
    assert [(f.content, f.kind, f.author, f.occurred_at, f.contact) for f in carried] == [
        ("第一次电话", "call", company.alice, qualified.times[0], contact),
        ("上门拜访", "visit", company.carol, qualified.times[1], contact),
    ]
    assert result.follow_ups == 2
    customer.refresh_from_db()
    assert customer.last_contacted_at == qualified.times[1]
    assert customer.next_follow_up_at == qualified.times[1] + dt.timedelta(days=7)
    carried_events = AuditEvent.objects.filter(action="follow_up.carried_over")
    assert carried_events.count() == 2
    assert {e.extra["origin"] for e in carried_events} == {f"lead:{qualified.pk}"}
    assert {e.timeline_key for e in carried_events} == {f"customers.customer:{customer.pk}"}

    lead = Lead.objects.get(pk=qualified.pk)
    assert lead.status == "converted"
    assert (lead.converted_customer, lead.converted_contact, lead.converted_by) == (customer, contact, company.alice)
    assert lead.converted_at is not None and lead.converted_opportunity is None
    event = AuditEvent.objects.get(action="lead.converted")
    assert event.extra["follow_ups"] == 2 and event.changes["status"] == ["qualified", "converted"]


def test_a_converted_lead_is_read_only(company, qualified, log_follow_up):
    services.lead_convert(actor=company.alice, lead=qualified)
    lead = Lead.objects.get(pk=qualified.pk)
    for attempt in (
        lambda: services.lead_update(actor=company.alice, lead=lead, data={"title": "总监"}),
        lambda: services.lead_convert(actor=company.alice, lead=lead),
        lambda: services.lead_delete(actor=company.alice, lead=lead),
        lambda: services.lead_assign(actor=company.carol, ids=[lead.pk], owner=company.bob),
        lambda: log_follow_up(company.alice, lead),
        lambda: services.lead_follow_up_delete(actor=company.alice, follow_up=lead.follow_ups.first()),
    ):
        with pytest.raises(DomainError) as caught:
            attempt()
        assert caught.value.code in ("converted", "closed")
    assert Customer.objects.count() == 1 and lead.follow_ups.count() == 2


def test_a_person_without_a_company_becomes_an_individual_customer(company, make_lead):
    lead = make_lead(company.alice, "李娜", company="", phone="010 8888 6666", email="lina@example.com",
                     status="qualified")
    result = services.lead_convert(actor=company.alice, lead=lead)
    assert (result.customer.name, result.customer.kind, result.customer.phone_e164, result.customer.email) == (
        "李娜", "individual", "+861088886666", "lina@example.com")
    # A desk number goes into the contact's phone, not its mobile.
    assert result.contact is not None
    assert (result.contact.phone_e164, result.contact.mobile) == ("+861088886666", "")


def test_the_customer_name_and_industry_may_be_set_when_converting(company, qualified):
    result = services.lead_convert(actor=company.alice, lead=qualified,
                                   customer_data={"name": "云栖科技集团", "industry": "it"})
    assert (result.customer.name, result.customer.industry) == ("云栖科技集团", "it")


def test_attach_to_an_existing_customer_adds_only_the_contact(company, qualified, make_customer):
    existing = make_customer(company.alice, "云栖科技（杭州）")
    result = services.lead_convert(actor=company.alice, lead=qualified, mode="attach_contact", customer=existing)
    assert result.customer == existing and Customer.objects.count() == 1
    assert list(existing.contacts.values_list("name", flat=True)) == ["张伟"]
    assert FollowUp.objects.filter(customer=existing).count() == 2
    assert Lead.objects.get(pk=qualified.pk).converted_customer == existing


def test_attach_only_the_link(company, qualified, make_customer):
    existing = make_customer(company.alice, "云栖科技（杭州）")
    result = services.lead_convert(actor=company.alice, lead=qualified, mode="attach_link", customer=existing)
    assert result.contact is None and not Contact.objects.exists()
    assert FollowUp.objects.filter(customer=existing, contact__isnull=True).count() == 2
    lead = Lead.objects.get(pk=qualified.pk)
    assert (lead.converted_customer, lead.converted_contact) == (existing, None)


def test_attaching_to_a_customer_out_of_reach_is_not_found_and_changes_nothing(company, qualified, make_customer):
    dave_s = make_customer(company.dave, "赵磊的客户")
    with pytest.raises(NotFound):
        services.lead_convert(actor=company.alice, lead=qualified, mode="attach_contact", customer=dave_s)
    assert Lead.objects.get(pk=qualified.pk).status == "qualified"
    assert not Contact.objects.exists() and not FollowUp.objects.exists()


@pytest.mark.parametrize("mode,with_customer", [("attach_contact", False), ("attach_link", False),
                                                ("new_customer", True), ("merge", False)])
def test_mode_and_customer_must_agree(company, qualified, make_customer, mode, with_customer):
    existing = make_customer(company.alice, "已有客户")
    with pytest.raises(DomainError) as caught:
        services.lead_convert(actor=company.alice, lead=qualified, mode=mode,
                              customer=existing if with_customer else None)
    assert caught.value.code == "invalid"
    assert Lead.objects.get(pk=qualified.pk).status == "qualified"


def test_only_qualified_owned_leads_convert(company, make_lead):
    new_lead = make_lead(company.alice)
    with pytest.raises(DomainError) as caught:
        services.lead_convert(actor=company.alice, lead=new_lead)
    assert caught.value.code == "not_qualified"
    pool_lead = make_lead(None, "池中", company="", status="qualified")
    with pytest.raises(DomainError) as caught:
        services.lead_convert(actor=company.root, lead=pool_lead)
    assert caught.value.code == "unowned"
    assert not Customer.objects.exists()


def test_convert_matrix(company, make_lead):
    def converts(user):
        lead = make_lead(company.alice, f"转化{user.pk}", company="", status="qualified")
        try:
            services.lead_convert(actor=user, lead=lead)
        except (Forbidden, NotFound):
            return False
        return Lead.objects.get(pk=lead.pk).status == "converted"

    assert converts(company.alice) and converts(company.carol) and converts(company.root)
    assert not converts(company.bob) and not converts(company.dave) and not converts(company.erin)


def test_stale_version_converts_nothing(company, qualified):
    with pytest.raises(Conflict):
        services.lead_convert(actor=company.alice, lead=qualified, expected_version=qualified.version - 1)
    assert not Customer.objects.exists()
    assert Lead.objects.get(pk=qualified.pk).status == "qualified"


def test_a_refused_step_rolls_back_everything(company, qualified):
    # A converter whose role lacks the right to create customers: the lead stays as it was.
    role = Role.objects.create(name="线索专员", actions=["leads.view", "leads.edit", "leads.convert",
                                                        "customers.view"], scopes={"leads": "all", "customers": "all"})
    company.erin.roles.add(role)
    erin = type(company.erin).objects.get(pk=company.erin.pk)
    with pytest.raises(Forbidden):
        services.lead_convert(actor=erin, lead=qualified)
    lead = Lead.objects.get(pk=qualified.pk)
    assert (lead.status, lead.converted_customer, lead.version) == ("qualified", None, qualified.version)
    assert not Customer.objects.exists() and not FollowUp.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["lead.converted", "follow_up.carried_over"]).exists()


def test_unknown_customer_overrides_are_refused(company, qualified):
    with pytest.raises(DomainError, match="cannot be set"):
        services.lead_convert(actor=company.alice, lead=qualified, customer_data={"owner": company.bob})
    assert not Customer.objects.exists()


def test_convert_with_an_opportunity(company, qualified):
    result = services.lead_convert(actor=company.alice, lead=qualified, opportunity={
        "name": "云栖二期", "amount": Decimal("120000.00"), "currency": "CNY",
        "expected_close_date": dt.date(2030, 6, 30)})
    deal = Opportunity.objects.get()
    assert result.opportunity == deal
    assert (deal.name, deal.customer, deal.amount, deal.owner, deal.source) == (
        "云栖二期", result.customer, Decimal("120000.00"), company.alice, "website")
    assert list(deal.contacts.all()) == [result.contact]
    assert Lead.objects.get(pk=qualified.pk).converted_opportunity == deal


def test_a_bad_opportunity_converts_nothing(company, qualified):
    with pytest.raises(DomainError):
        services.lead_convert(actor=company.alice, lead=qualified, opportunity={"amount": Decimal("-5")})
    assert not Customer.objects.exists() and not Opportunity.objects.exists()
    assert Lead.objects.get(pk=qualified.pk).status == "qualified"


# -- what already exists --


def test_candidates_show_visible_customers_and_only_the_owner_of_others(company, qualified, make_customer):
    mine = make_customer(company.alice, "杭州云栖科技有限公司")
    services_contact = make_customer(company.alice, "云栖分销")
    from guanxi.customers import services as customer_services

    customer_services.contact_create(actor=company.alice, customer=services_contact,
                                     data={"name": "张伟", "mobile": "13812345678"})
    make_customer(company.dave, "另一家", email="zhang@yunqi.cn")
    found = selectors.lead_conversion_candidates(actor=company.alice, lead=qualified)
    assert {c.name for c in found.customers} == {mine.name, services_contact.name}
    assert [(c.kind, c.followed_by) for c in found.hidden] == [("customer", "Already followed by 赵磊 (销售二部)")]
    assert found.hidden[0].url == "" and found.hidden[0].label == ""


def test_converting_into_a_duplicate_of_someone_elses_customer_asks_to_confirm(company, qualified, make_customer):
    make_customer(company.dave, "杭州云栖科技有限公司")
    with pytest.raises(DomainError) as caught:
        services.lead_convert(actor=company.alice, lead=qualified)
    assert caught.value.code == "possible_duplicate"
    assert Customer.objects.count() == 1 and Lead.objects.get(pk=qualified.pk).status == "qualified"
    result = services.lead_convert(actor=company.alice, lead=qualified, confirmed=True)
    assert result.customer.owner == company.alice


def test_the_customer_remembers_the_leads_it_came_from(company, qualified):
    result = services.lead_convert(actor=company.alice, lead=qualified)
    assert list(selectors.lead_converted_from(actor=company.alice, customer=result.customer)) == [
        Lead.objects.get(pk=qualified.pk)]
    assert not selectors.lead_converted_from(actor=company.bob, customer=result.customer).exists()


def test_someone_who_sees_the_lead_but_not_the_customer_learns_nothing_about_it(company, qualified, login):
    services.lead_convert(actor=company.alice, lead=qualified, customer_data={"name": "保密客户"})
    role = Role.objects.create(name="线索查看", actions=["leads.view"], scopes={"leads": "all"})
    company.erin.roles.add(role)
    body = login(company.erin).get(f"/leads/{qualified.pk}/").content.decode()
    assert "A customer you cannot see" in body and "保密客户" not in body


# -- carrying follow-ups over (activities.follow_up_carry_over) --


def test_carry_over_refuses_bad_entries_and_writes_nothing(company, make_customer):
    from guanxi.activities.services import follow_up_carry_over
    from guanxi.customers import services as customer_services

    customer, other = make_customer(company.alice, "甲"), make_customer(company.alice, "乙")
    stranger = customer_services.contact_create(actor=company.alice, customer=other, data={"name": "外人"})
    when = timezone.now() - dt.timedelta(days=1)
    good = {"kind": "call", "content": "电话", "occurred_at": when, "author": company.bob}
    for bad in ({**good, "contact": stranger}, {**good, "content": ""}, {**good, "kind": "telepathy"},
                {**good, "customer": other}):
        with pytest.raises(DomainError):
            follow_up_carry_over(actor=company.alice, customer=customer, entries=[good, bad])
    assert not FollowUp.objects.exists()
    with pytest.raises(NotFound):
        follow_up_carry_over(actor=company.dave, customer=customer, entries=[good])
    assert follow_up_carry_over(actor=company.alice, customer=customer, entries=[]) == 0
    assert follow_up_carry_over(actor=company.alice, customer=customer, entries=[good]) == 1
    carried = FollowUp.objects.get()
    assert (carried.author, carried.occurred_at, carried.customer) == (company.bob, when, customer)


@pytest.mark.django_db(transaction=True)
def test_two_people_converting_at_once_make_one_customer(company, make_lead):
    from .concurrency import at_once

    lead = make_lead(company.alice, "并发", company="并发科技", status="qualified")
    results = at_once(lambda user: services.lead_convert(actor=user, lead=Lead.objects.get(pk=lead.pk)),
                      [(company.alice,), (company.carol,), (company.root,)])
    done = [r for r in results if isinstance(r, services.Conversion)]
    assert len(done) == 1, results
    # A loser either saw the lead already converted or lost the conditional update to the winner.
    assert all(isinstance(r, DomainError) and r.code in ("converted", "conflict") for r in results if r not in done)
    assert Customer.objects.count() == 1 and Contact.objects.count() == 1
    assert AuditEvent.objects.filter(action="lead.converted").count() == 1
