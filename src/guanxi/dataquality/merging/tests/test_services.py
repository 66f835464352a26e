"""Merging customers and contacts: what survives, what moves, what is audited; and undoing it exactly."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from guanxi.activities.models import FollowUp
from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.system import SYSTEM
from guanxi.customers import services as customers
from guanxi.customers.models import Contact, Customer, Tag
from guanxi.dataquality.match_keys import match_key_ids
from guanxi.dataquality.merging import selectors, services
from guanxi.dataquality.merging.choices import MergeStatus
from guanxi.dataquality.merging.models import MergeRecord
from guanxi.sales.contracts.models import Contract, Payment
from guanxi.sales.leads.models import Lead
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.quotes.models import Quote

from .conftest import state, team

pytestmark = pytest.mark.django_db


def fresh(record):
    return type(record)._base_manager.get(pk=record.pk)


@pytest.fixture
def pair(company, make_customer, dossier, merge_right):
    """Two of alice's customers for the same company, each with a full dossier; alice may merge."""
    merge_right(company.alice)
    a = make_customer(company.alice, "杭州云栖科技有限公司", region="浙江 杭州", grade="A")
    b = make_customer(company.alice, "杭州云栖科技", phone="13812345678", email="info@yunqi.cn", region="浙江")
    return a, b, dossier(a, company.alice, "甲", tag="老客户", member=company.dave), dossier(
        b, company.alice, "乙", tag="重点跟进", member=company.bob, member_can_edit=True)


def test_merge_moves_contacts_follow_ups_deals_contracts_payments_tags_and_team(company, pair):
    a, b, _, moved = pair

    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])

    assert fresh(b).deleted_at is not None and fresh(b).deleted_by_id == company.alice.pk
    assert fresh(moved["contact"]).customer_id == a.pk
    assert fresh(moved["follow_up"]).customer_id == a.pk
    assert fresh(moved["opportunity"]).customer_id == a.pk
    assert fresh(moved["quote"]).customer_id == a.pk
    assert fresh(moved["contract"]).customer_id == a.pk
    assert fresh(moved["lead"]).converted_customer_id == a.pk
    # Receivables hang off the contract: the survivor's balance now counts the merged customer's payments.
    assert Payment.objects.filter(contract__customer=a).count() == 2
    assert sorted(t.name for t in fresh(a).tags.all()) == ["老客户", "重点跟进"]
    assert team(a) == [(company.bob.pk, True), (company.dave.pk, False)]
    assert team(b) == []
    for model in (Contact, FollowUp, Opportunity, Quote, Contract):
        assert not model._base_manager.filter(customer=b).exists()
    assert merge.status == MergeStatus.MERGED
    assert selectors.merged_into(entity="customer", id=b.pk) == merge
    assert [m.object_id for m in selectors.merged_from(entity="customer", id=a.pk)] == [b.pk]
    assert {row["key"]: row["count"] for row in merge.summary["moved"]} == {
        "customers.contact.customer": 1, "activities.followup.customer": 1, "opportunities.opportunity.customer": 1,
        "quotes.quote.customer": 1, "contracts.contract.customer": 1, "leads.lead.converted_customer": 1,
        "customers.customer_tags.customer": 1, "core.collaborator.object_id": 1,
    }


def test_survivor_keeps_its_values_takes_blanks_from_the_others_and_the_latest_contact(company, pair):
    a, b, _, _ = pair
    latest = max(fresh(a).last_contacted_at, fresh(b).last_contacted_at)

    services.merge_records(actor=company.alice, entity="customer", survivor=a.pk, others=[b.pk])

    a = fresh(a)
    assert a.name == "杭州云栖科技有限公司" and a.region == "浙江 杭州" and a.grade == "A"
    assert a.phone == "13812345678" and a.phone_e164 == "+8613812345678" and a.email == "info@yunqi.cn"
    assert a.last_contacted_at == latest
    # The survivor's search document names the contacts it took in.
    assert "乙" in a.search_document and "甲" in a.search_document


def test_field_choices_pick_the_surviving_value_per_field(company, make_customer, merge_right, custom_field):
    merge_right(company.alice)
    custom_field("size", "choice", choices=["大型", "中型"])
    a = make_customer(company.alice, "云栖科技", phone="13800000001", custom={"size": "大型"})
    b = make_customer(company.alice, "杭州云栖科技有限公司", phone="13800000002", custom={"size": "中型"})

    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b],
                                   field_choices={"name": b.pk, "phone": str(b.pk), "custom.size": b.pk})

    a = fresh(a)
    assert (a.name, a.phone, a.phone_e164, a.custom) == ("杭州云栖科技有限公司", "13800000002", "+8613800000002",
                                                         {"size": "中型"})
    assert merge.choices["name"] == b.pk and merge.choices["grade"] == a.pk
    # The match keys follow: the survivor has its new company key, the merged customer none.
    assert match_key_ids(Customer, "name", "云栖科技") == [a.pk]


def test_merge_is_audited_on_both_records(company, pair):
    a, b, _, _ = pair

    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])

    survivor_event = AuditEvent.objects.get(action="customer.merged")
    assert survivor_event.timeline_key == f"customers.customer:{a.pk}"
    assert survivor_event.actor_id == company.alice.pk
    assert survivor_event.changes["phone"] == ["", "13812345678"]
    assert survivor_event.changes["tags"] == [["老客户"], ["老客户", "重点跟进"]]
    assert survivor_event.extra["merge"] == merge.pk and survivor_event.extra["merged"] == [
        {"id": b.pk, "name": "杭州云栖科技"}]
    merged_event = AuditEvent.objects.get(action="customer.merged_into")
    assert merged_event.object_id == str(b.pk) and merged_event.extra["survivor"]["id"] == a.pk


def test_undo_restores_every_record_and_link_exactly(company, pair):
    a, b, _, _ = pair
    before = state()
    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    assert state() != before

    undone = services.merge_undo(actor=company.alice, merge=merge)

    assert state() == before
    assert undone.status == MergeStatus.UNDONE and undone.undone_by_id == company.alice.pk
    assert undone.undo_report == {"fields": [], "rows": []}
    assert selectors.merged_into(entity="customer", id=b.pk) is None
    assert selectors.merged_from(entity="customer", id=a.pk) == []
    assert AuditEvent.objects.filter(action="customer.merge_undone", object_id=str(a.pk)).count() == 1
    assert AuditEvent.objects.filter(action="customer.unmerged", object_id=str(b.pk)).count() == 1


def test_the_same_tag_or_team_member_on_both_is_kept_once_and_comes_back_on_undo(company, make_customer,
                                                                                  merge_right):
    merge_right(company.carol)
    a = make_customer(company.alice, "甲公司")
    b = make_customer(company.bob, "甲公司")
    tag = customers.tag_create(actor=SYSTEM, name="老客户")
    customers.customer_bulk_add_tag(actor=SYSTEM, ids=[a.pk, b.pk], tag=tag)
    customers.customer_set_collaborator(actor=SYSTEM, customer=a, user=company.dave, can_edit=False)
    customers.customer_set_collaborator(actor=SYSTEM, customer=b, user=company.dave, can_edit=True)
    # alice owns the survivor: her membership of b's team has no place on a's.
    customers.customer_set_collaborator(actor=SYSTEM, customer=b, user=company.alice, can_edit=True)
    before = state()

    merge = services.merge_records(actor=company.carol, entity="customer", survivor=a, others=[b])

    assert list(Customer.tags.through.objects.filter(tag=tag).values_list("customer_id", flat=True)) == [a.pk]
    assert team(a) == [(company.dave.pk, True)]  # one membership, with the wider rights
    assert team(b) == []
    services.merge_undo(actor=company.carol, merge=merge)
    assert state() == before
    assert team(a) == [(company.dave.pk, False)]
    assert team(b) == [(company.alice.pk, True), (company.dave.pk, True)]


def test_taking_another_owner_needs_the_transfer_right(company, make_customer, merge_right):
    merge_right(company.alice, company.carol)
    a = make_customer(company.alice, "甲公司")
    b = make_customer(company.bob, "甲公司")
    # alice edits b as a team member, but may not transfer customers.
    customers.customer_set_collaborator(actor=SYSTEM, customer=b, user=company.alice, can_edit=True)

    with pytest.raises(Forbidden, match="Owner"):
        services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b],
                               field_choices={"owner": b.pk})
    assert fresh(b).deleted_at is None

    services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    assert fresh(a).owner_id == company.alice.pk

    c = make_customer(company.alice, "乙公司")
    d = make_customer(company.bob, "乙公司")
    services.merge_records(actor=company.carol, entity="customer", survivor=c, others=[d],
                           field_choices={"owner": d.pk})
    assert (fresh(c).owner_id, fresh(c).department_id) == (company.bob.pk, company.bob.department_id)


def test_three_records_merge_at_once(company, make_customer, merge_right, dossier):
    merge_right(company.alice)
    a, b, c = (make_customer(company.alice, "云栖") for _ in range(3))
    dossier(b, company.alice, "乙")
    dossier(c, company.alice, "丙")
    before = state()

    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b, c])

    assert Contact.objects.filter(customer=a).count() == 2 and Contract.objects.filter(customer=a).count() == 2
    assert Customer.objects.deleted().filter(pk__in=[b.pk, c.pk]).count() == 2
    services.merge_undo(actor=company.alice, merge=merge)
    assert state() == before


@pytest.mark.parametrize("case", ["itself", "twice", "none", "contact", "unknown_entity", "unknown_field",
                                  "foreign_source", "too_many"])
def test_bad_requests_are_refused_clearly_and_change_nothing(company, make_customer, merge_right, case):
    merge_right(company.alice)
    a = make_customer(company.alice, "甲公司")
    b = make_customer(company.alice, "甲公司")
    other = make_customer(company.alice, "丙公司")
    contact = customers.contact_create(actor=SYSTEM, customer=a, data={"name": "张伟"})
    crowd = [make_customer(company.alice, "甲公司") for _ in range(9)] if case == "too_many" else []
    cases: dict[str, dict[str, Any]] = {
        "itself": {"others": [a]},
        "twice": {"others": [b, b]},
        "none": {"others": []},
        "contact": {"others": [contact]},
        "unknown_entity": {"others": [b], "entity": "planet"},
        "unknown_field": {"others": [b], "field_choices": {"search_document": b.pk}},
        "foreign_source": {"others": [b], "field_choices": {"name": other.pk}},
        "too_many": {"others": [b, *crowd]},
    }
    kwargs = cases[case]
    before = state()
    with pytest.raises(DomainError) as caught:
        services.merge_records(actor=company.alice, entity=kwargs.pop("entity", "customer"), survivor=a, **kwargs)
    assert caught.value.status == 400
    assert str(caught.value.message)
    assert state() == before
    assert not MergeRecord.objects.exists()


def test_a_record_in_the_recycle_bin_or_already_merged_is_named_in_the_error(company, make_customer, merge_right):
    merge_right(company.alice)
    a, b, c = (make_customer(company.alice, name) for name in ("甲公司", "甲公司 ", "乙公司"))
    customers.customer_delete(actor=company.alice, customer=c)
    with pytest.raises(DomainError, match="“乙公司” is in the recycle bin"):
        services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[c])
    services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    with pytest.raises(DomainError, match="was already merged into “甲公司”"):
        services.merge_records(actor=company.alice, entity="customer", survivor=b, others=[a])
    with pytest.raises(NotFound):
        services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[10**9])


def test_a_form_opened_before_the_merge_cannot_overwrite_it(company, pair):
    a, b, _, _ = pair
    stale = fresh(a)
    services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    with pytest.raises(Conflict):
        customers.customer_update(actor=company.alice, customer=stale, data={"region": "上海"}, tags=[],
                                  expected_version=stale.version)
    assert sorted(t.name for t in fresh(a).tags.all()) == ["老客户", "重点跟进"]


# -- contacts --


def test_contacts_of_one_customer_merge_with_their_follow_ups_quotes_and_deals(company, make_customer, dossier,
                                                                               merge_right):
    from guanxi.sales.opportunities import services as opportunities

    merge_right(company.alice)
    customer = make_customer(company.alice, "甲公司")
    first = dossier(customer, company.alice, "甲")
    second = dossier(customer, company.alice, "乙")
    keep, dup = first["contact"], second["contact"]
    customers.contact_update(actor=SYSTEM, contact=fresh(dup), data={"email": "zhang@jia.cn"})
    # An opportunity listing both duplicates keeps one link.
    opportunities.opportunity_update(actor=company.alice, opportunity=fresh(first["opportunity"]), data={},
                                     contacts=[keep, dup])
    before = state()

    merge = services.merge_records(actor=company.alice, entity="contact", survivor=keep, others=[dup],
                                   field_choices={"name": dup.pk})

    keep = fresh(keep)
    assert (keep.name, keep.email, keep.mobile) == ("乙联系人", "zhang@jia.cn", first["contact"].mobile)
    assert fresh(dup).deleted_at is not None
    assert fresh(second["follow_up"]).contact_id == keep.pk
    assert fresh(second["quote"]).contact_id == keep.pk
    assert fresh(second["lead"]).converted_contact_id is None  # attach_link made no contact
    links = Opportunity.contacts.through.objects
    assert sorted(links.filter(contact=keep).values_list("opportunity_id", flat=True)) == sorted(
        [first["opportunity"].pk, second["opportunity"].pk])
    assert not links.filter(contact=dup).exists()
    event = AuditEvent.objects.get(action="contact.merged")
    assert event.timeline_key == f"customers.customer:{customer.pk}"

    services.merge_undo(actor=company.alice, merge=merge)
    assert state() == before


def test_contacts_of_different_customers_are_not_merged(company, make_customer, merge_right):
    merge_right(company.alice)
    one = customers.contact_create(actor=SYSTEM, customer=make_customer(company.alice, "甲"), data={"name": "张伟"})
    two = customers.contact_create(actor=SYSTEM, customer=make_customer(company.alice, "乙"), data={"name": "张伟"})
    with pytest.raises(DomainError, match="Only contacts of the same customer can be merged."):
        services.merge_records(actor=company.alice, entity="contact", survivor=one, others=[two])


# -- undo --


def test_undo_waits_for_a_later_merge_of_the_same_records(company, make_customer, merge_right):
    merge_right(company.alice)
    a, b, c = (make_customer(company.alice, "甲公司") for _ in range(3))
    first = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    second = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[c])

    with pytest.raises(DomainError, match=f"merge #{second.pk}") as caught:
        services.merge_undo(actor=company.alice, merge=first)
    assert caught.value.code == "merged_again"

    services.merge_undo(actor=company.alice, merge=second)
    services.merge_undo(actor=company.alice, merge=first)
    assert Customer.objects.alive().filter(pk__in=[a.pk, b.pk, c.pk]).count() == 3
    with pytest.raises(DomainError, match="already undone"):
        services.merge_undo(actor=company.alice, merge=first)


def test_undo_of_a_customer_merge_waits_for_a_later_merge_of_its_moved_contacts(company, make_customer,
                                                                                merge_right):
    merge_right(company.alice)
    a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
    kept = customers.contact_create(actor=SYSTEM, customer=a, data={"name": "张伟"})
    moved = customers.contact_create(actor=SYSTEM, customer=b, data={"name": "张伟"})
    customer_merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    contact_merge = services.merge_records(actor=company.alice, entity="contact", survivor=kept, others=[moved])

    with pytest.raises(DomainError, match="Undo that merge first"):
        services.merge_undo(actor=company.alice, merge=customer_merge)
    services.merge_undo(actor=company.alice, merge=contact_merge)
    services.merge_undo(actor=company.alice, merge=customer_merge)
    assert fresh(moved).customer_id == b.pk and fresh(moved).deleted_at is None


def test_undo_leaves_what_changed_since_and_says_so(company, pair):
    from guanxi.activities import services as activities

    a, b, _, moved = pair
    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    customers.customer_update(actor=company.alice, customer=fresh(a), data={"phone": "13900001111"})
    activities.follow_up_delete(actor=SYSTEM, follow_up=fresh(moved["follow_up"]))
    later = FollowUp.objects.create(customer=a, content="合并后的跟进", occurred_at=timezone.now())

    undone = services.merge_undo(actor=company.alice, merge=merge)

    assert undone.undo_report["fields"] == ["phone"]
    assert undone.undo_report["rows"] == [{"key": "activities.followup.customer", "count": 1}]
    assert fresh(a).phone == "13900001111"  # the edit after the merge stays
    assert fresh(a).email == ""  # what the merge took from b went back
    assert fresh(moved["contact"]).customer_id == b.pk
    assert fresh(later).customer_id == a.pk  # rows added after the merge stay with the survivor
    assert selectors.report_rows(undone) == [{"key": "activities.followup.customer", "label": "follow-ups",
                                              "count": 1}]


def test_undo_is_refused_while_the_survivor_is_in_the_recycle_bin_or_a_record_is_purged(company, pair):
    a, b, _, _ = pair
    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    customers.customer_delete(actor=company.alice, customer=fresh(a))
    with pytest.raises(DomainError, match="is in the recycle bin. Restore it"):
        services.merge_undo(actor=company.alice, merge=merge)
    customers.customer_restore(actor=company.alice, customer=fresh(a))

    customers.customer_purge(actor=SYSTEM, customer=fresh(b))
    with pytest.raises(DomainError, match="“杭州云栖科技” was deleted for good"):
        services.merge_undo(actor=company.alice, merge=merge)
    assert MergeRecord.objects.get().status == MergeStatus.MERGED


def test_a_merged_customer_restored_from_the_recycle_bin_stays_consistent(company, pair):
    """The recycle bin may restore a merged customer on its own: it comes back bare (what it had stays with the
    survivor, where the merge put it), and the merge can still be undone, which gives its rows back."""
    a, b, _, moved = pair
    before = state()
    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])

    customers.customer_restore(actor=company.alice, customer=fresh(b))

    assert fresh(b).deleted_at is None
    assert not Contact.objects.filter(customer=b).exists() and fresh(moved["contact"]).customer_id == a.pk
    assert match_key_ids(Customer, "name", "云栖科技") == [b.pk, a.pk]
    services.merge_undo(actor=company.alice, merge=merge)
    after = state()
    assert after["contacts"] == before["contacts"] and after["contracts"] == before["contracts"]
    assert after["tags"] == before["tags"] and after["collaborators"] == before["collaborators"]
    assert fresh(b).deleted_at is None


def test_undo_needs_edit_reach_on_every_record(company, make_customer, merge_right):
    merge_right(company.alice, company.bob, company.carol)
    a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
    merge = services.merge_records(actor=company.carol, entity="customer", survivor=a, others=[b])
    # Meanwhile the merged customer, in the recycle bin, was handed to a seller of another department.
    Customer.objects.filter(pk=b.pk).update(owner=company.dave, department=company.dave.department)
    with pytest.raises(Forbidden):
        services.merge_undo(actor=company.alice, merge=merge)
    with pytest.raises(NotFound):
        services.merge_undo(actor=company.bob, merge=merge)
    services.merge_undo(actor=SYSTEM, merge=merge)
    assert fresh(b).deleted_at is None


def test_a_tag_deleted_after_the_merge_is_reported_by_the_undo(company, pair):
    """Tag rows are plain links: deleting a tag later does not break the undo of an older merge."""
    a, b, _, _ = pair
    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    customers.tag_delete(actor=SYSTEM, tag=Tag.objects.get(name="重点跟进"))
    undone = services.merge_undo(actor=company.alice, merge=merge)
    assert undone.undo_report["rows"] == [{"key": "customers.customer_tags.customer", "count": 1}]
    assert Lead.objects.filter(converted_customer=b).count() == 1
