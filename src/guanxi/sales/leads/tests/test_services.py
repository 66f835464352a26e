"""Lead writes: create, edit, delete and restore, the data scope with the pool, follow-ups, bad input."""

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.dataquality.collisions import find_collisions
from guanxi.sales.leads import services
from guanxi.sales.leads.models import Lead, LeadFollowUp

pytestmark = pytest.mark.django_db

EVERYONE_WITH_LEADS = {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True}


def test_create_normalises_phone_and_email_and_audits(company):
    lead = services.lead_create(actor=company.alice, data={
        "name": " 张伟 ", "company": "杭州云栖科技有限公司", "title": "采购经理", "phone": "138 1234 5678",
        "email": "Zhang.Wei@Yunqi.CN", "source": "website", "region": "浙江 杭州", "owner": company.alice})
    lead.refresh_from_db()
    assert (lead.name, lead.phone_e164, lead.email) == ("张伟", "+8613812345678", "zhang.wei@yunqi.cn")
    assert lead.status == "new"
    assert (lead.owner, lead.department, lead.created_by) == (company.alice, company.sales1, company.alice)
    assert lead.assigned_at is not None
    assert lead.name_key == "云栖科技"
    event = AuditEvent.objects.get(action="lead.created")
    assert event.actor == company.alice and event.changes["company"] == [None, "杭州云栖科技有限公司"]


def test_a_lead_created_without_owner_and_no_rule_waits_in_the_pool(company):
    lead = services.lead_create(actor=company.alice, data={"name": "李娜", "company": "宁波港务"})
    assert lead.owner is None and lead.department is None and lead.assigned_at is None
    assert_matrix(company, lambda u: Lead.objects.visible_to(u).filter(pk=lead.pk).exists(), EVERYONE_WITH_LEADS)
    # Everyone may see the pool, but only an all-records scope may edit an unowned lead: others claim it first.
    assert_matrix(company, lambda u: Lead.objects.editable_by(u).filter(pk=lead.pk).exists(),
                  {"alice": False, "bob": False, "carol": False, "dave": False, "erin": False, "root": True})


def test_owned_lead_is_seen_within_the_owners_scope_only(company, make_lead):
    lead = make_lead(company.alice)
    assert_matrix(company, lambda u: Lead.objects.visible_to(u).filter(pk=lead.pk).exists(), ALICE_RECORD_VISIBLE)


def test_follow_ups_are_seen_with_their_lead(company, make_lead, log_follow_up):
    follow_up = log_follow_up(company.alice, make_lead(company.alice))
    assert_matrix(company, lambda u: LeadFollowUp.objects.visible_to(u).filter(pk=follow_up.pk).exists(),
                  ALICE_RECORD_VISIBLE)


def test_a_seller_may_not_hand_a_new_lead_to_someone_else(company):
    with pytest.raises(Forbidden):
        services.lead_create(actor=company.alice, data={"name": "李娜", "owner": company.bob})
    assert not Lead.objects.exists()


@pytest.mark.parametrize("owner", ["dave", "erin"])
def test_a_manager_assigns_new_leads_only_to_sellers_in_reach(company, owner):
    with pytest.raises(DomainError) as caught:
        services.lead_create(actor=company.carol, data={"name": "李娜", "owner": getattr(company, owner)})
    assert "owner" in caught.value.errors
    assert not Lead.objects.exists()
    lead = services.lead_create(actor=company.carol, data={"name": "李娜", "owner": company.bob})
    assert lead.owner == company.bob


@pytest.mark.parametrize("data,field", [
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "张伟", "company": "x" * 201}, "company"),
    ({"name": "张伟", "phone": "12345"}, "phone"),
    ({"name": "张伟", "email": "not-an-email"}, "email"),
    ({"name": "张伟", "source": "carrier_pigeon"}, "source"),
    ({"name": "张伟", "status": "converted"}, "status"),
    ({"name": "张伟", "notes": "x" * 10001}, "notes"),
])
def test_bad_input_is_refused_on_its_field_and_nothing_saved(company, data, field):
    with pytest.raises(DomainError) as caught:
        services.lead_create(actor=company.alice, data={**data, "owner": company.alice})
    assert field in caught.value.errors
    assert not Lead.objects.exists() and not AuditEvent.objects.exists()


def test_unknown_fields_are_refused(company):
    with pytest.raises(DomainError, match="cannot be set"):
        services.lead_create(actor=company.alice, data={"name": "张伟", "version": 7})


def test_html_and_sql_are_stored_as_typed(company):
    text = "<script>alert(1)</script>'; DROP TABLE leads_lead; --"
    lead = services.lead_create(actor=company.alice, data={"name": "张伟", "notes": text, "owner": company.alice})
    lead.refresh_from_db()
    assert lead.notes == text


def test_update_bumps_version_and_audits_changes(company, make_lead):
    lead = make_lead(company.alice, phone="13812345678")
    services.lead_update(actor=company.alice, lead=lead, data={"status": "qualified", "phone": "+86 139 0000 1111"},
                         expected_version=lead.version)
    lead.refresh_from_db()
    assert (lead.status, lead.phone_e164, lead.version) == ("qualified", "+8613900001111", 2)
    event = AuditEvent.objects.get(action="lead.updated")
    assert event.changes["status"] == ["new", "qualified"]


def test_stale_version_is_a_conflict_and_keeps_the_other_edit(company, make_lead):
    lead = make_lead(company.alice)
    services.lead_update(actor=company.carol, lead=Lead.objects.get(pk=lead.pk), data={"title": "总监"})
    with pytest.raises(Conflict):
        services.lead_update(actor=company.alice, lead=lead, data={"title": "经理"}, expected_version=1)
    lead.refresh_from_db()
    assert lead.title == "总监"


def test_update_of_a_lead_deleted_meanwhile_is_not_found(company, make_lead):
    lead = make_lead(company.alice)
    stale = Lead.objects.get(pk=lead.pk)
    services.lead_delete(actor=company.alice, lead=lead)
    with pytest.raises(NotFound):
        services.lead_update(actor=company.alice, lead=stale, data={"title": "经理"})


def test_update_needs_the_lead_in_the_editors_scope(company, make_lead):
    lead = make_lead(company.alice)
    with pytest.raises(NotFound):
        services.lead_update(actor=company.bob, lead=lead, data={"title": "经理"})
    pool_lead = make_lead(None, "王五", company="")
    with pytest.raises(Forbidden):
        services.lead_update(actor=company.bob, lead=pool_lead, data={"title": "经理"})


def test_the_owner_is_not_changed_by_editing(company, make_lead):
    lead = make_lead(company.alice)
    with pytest.raises(DomainError, match="cannot be set: owner"):
        services.lead_update(actor=company.carol, lead=lead, data={"owner": company.bob})


def test_delete_and_restore(company, make_lead):
    lead = make_lead(company.alice)
    assert services.lead_bulk_delete(actor=company.alice, ids=[lead.pk]) == 1
    assert not Lead.objects.visible_to(company.alice).exists()
    with pytest.raises(NotFound):
        services.lead_bulk_delete(actor=company.bob, ids=[lead.pk])
    services.lead_restore(actor=company.alice, lead=lead)
    assert Lead.objects.visible_to(company.alice).filter(pk=lead.pk).exists()
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True))[-2:] == [
        "lead.deleted", "lead.restored"]


def test_bulk_delete_with_one_unreachable_id_deletes_nothing(company, make_lead):
    mine, dave_s = make_lead(company.alice), make_lead(company.dave, "赵六", company="")
    with pytest.raises(NotFound):
        services.lead_bulk_delete(actor=company.alice, ids=[mine.pk, dave_s.pk])
    assert Lead.objects.filter(deleted_at__isnull=True).count() == 2


def test_logging_a_follow_up_starts_contacting_a_new_lead(company, make_lead, log_follow_up):
    lead = make_lead(company.alice)
    when = timezone.now() - dt.timedelta(hours=2)
    nxt = timezone.now() + dt.timedelta(days=3)
    log_follow_up(company.alice, lead, occurred_at=when, next_follow_up_at=nxt)
    lead.refresh_from_db()
    assert (lead.status, lead.last_contacted_at, lead.next_follow_up_at, lead.version) == ("contacting", when, nxt, 2)
    # A second follow-up does not move a lead that is already further along.
    services.lead_update(actor=company.alice, lead=lead, data={"status": "qualified"})
    log_follow_up(company.alice, lead, "再次沟通")
    lead.refresh_from_db()
    assert lead.status == "qualified"


def test_follow_ups_need_the_lead_claimed_and_in_reach(company, make_lead, log_follow_up):
    pool_lead = make_lead(None, "王五", company="")
    with pytest.raises(DomainError, match="Claim this lead"):
        log_follow_up(company.bob, pool_lead)
    with pytest.raises(NotFound):
        log_follow_up(company.bob, make_lead(company.alice))
    with pytest.raises(Forbidden):
        log_follow_up(company.erin, make_lead(company.alice, "李四", company=""))
    assert not LeadFollowUp.objects.exists()


@pytest.mark.parametrize("data,field", [
    ({"content": ""}, "content"),
    ({"content": "x" * 10001}, "content"),
    ({"content": "ok", "occurred_at": timezone.now() + dt.timedelta(days=3)}, "occurred_at"),
    ({"content": "ok", "occurred_at": timezone.now(), "next_follow_up_at": timezone.now() - dt.timedelta(days=1)},
     "next_follow_up_at"),
    ({"content": "ok", "kind": "telepathy"}, "kind"),
])
def test_bad_follow_ups_are_refused(company, make_lead, data, field):
    lead = make_lead(company.alice)
    with pytest.raises(DomainError) as caught:
        services.lead_follow_up_create(actor=company.alice, lead=lead, data=data)
    assert field in caught.value.errors
    lead.refresh_from_db()
    assert lead.status == "new" and not LeadFollowUp.objects.exists()


def test_follow_up_edit_and_delete_by_author_or_with_the_right(company, make_lead, log_follow_up):
    lead = make_lead(company.alice)
    follow_up = log_follow_up(company.alice, lead)
    services.lead_follow_up_update(actor=company.alice, follow_up=follow_up, data={"content": "改过了"})
    with pytest.raises(NotFound):
        services.lead_follow_up_delete(actor=company.bob, follow_up=follow_up)
    services.lead_follow_up_delete(actor=company.carol, follow_up=follow_up)  # a manager with activities.delete
    assert not LeadFollowUp.objects.exists()


# -- the collision check (防撞单) --


def test_a_lead_with_the_phone_of_someone_elses_lead_is_a_possible_duplicate(company, make_lead):
    make_lead(company.dave, "赵六", company="", phone="13812345678")
    with pytest.raises(DomainError) as caught:
        services.lead_create(actor=company.alice, data={"name": "张伟", "phone": "138-1234-5678",
                                                        "owner": company.alice})
    assert caught.value.code == "possible_duplicate"
    assert "赵磊" in " ".join(caught.value.errors["__all__"])
    assert Lead.objects.count() == 1
    lead = services.lead_create(actor=company.alice, data={"name": "张伟", "phone": "138-1234-5678",
                                                           "owner": company.alice}, confirmed=True)
    event = AuditEvent.objects.get(action="lead.created", object_id=str(lead.pk))
    assert event.extra["duplicates_confirmed"][0]["kind"] == "lead"


def test_customers_are_checked_against_leads_showing_only_who_follows_them(company, make_lead):
    lead = make_lead(company.dave, "赵六", company="深圳市腾远电子科技有限公司")
    found = find_collisions(actor=company.alice, name="腾远电子科技（深圳）有限公司")
    assert [(c.kind, c.visible, c.owner_name, c.department_name) for c in found] == [
        ("lead", False, "赵磊", "销售二部")]
    assert found[0].url == "" and found[0].label == ""
    mine = find_collisions(actor=company.dave, name="腾远电子科技有限公司")
    assert mine[0].visible and mine[0].url == f"/leads/{lead.pk}/"


def test_converted_and_deleted_leads_are_not_collisions(company, make_lead):
    lead = make_lead(company.dave, "赵六", company="", phone="13812345678")
    services.lead_delete(actor=company.dave, lead=lead)
    assert find_collisions(actor=company.alice, phone="13812345678") == []
