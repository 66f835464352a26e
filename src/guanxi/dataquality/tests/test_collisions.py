"""find_collisions and collision_guard: found across every scope, revealed only as far as the actor may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from guanxi.core.system import SYSTEM
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services
from guanxi.dataquality import collisions
from guanxi.dataquality.collisions import LIMIT, PossibleDuplicate, collision_guard, find_collisions
from guanxi.dataquality.models import MatchKey

pytestmark = pytest.mark.django_db

NAME = "深圳市腾远电子科技有限公司"
SAME_NAME = "腾远电子科技（深圳）有限公司"
SWITCHBOARD = "0755-86123456"


@pytest.fixture
def alices(company, make_customer):
    return make_customer(company.alice, NAME, phone=SWITCHBOARD, email="Info@Tengyuan.cn")


def only(found):
    assert len(found) == 1, found
    return found[0]


# -- what is revealed --


def test_everyone_learns_of_the_match_but_only_those_in_scope_see_the_record(company, alices):
    found = {user: only(find_collisions(actor=user, name=SAME_NAME)) for user in company.cast().values()}
    assert_matrix(company, lambda user: found[user].visible, ALICE_RECORD_VISIBLE)
    seen = found[company.alice]
    assert (seen.label, seen.url, seen.record_id) == (NAME, reverse("customers:detail", args=[alices.pk]), alices.pk)
    hidden = found[company.bob]
    assert (hidden.label, hidden.url, hidden.record_id) == ("", "", None)
    with translation.override("en"):
        assert hidden.followed_by == "Already followed by 王芳 (销售一部)"
        assert hidden.summary == "Customer: Already followed by 王芳 (销售一部) — same company name"
        assert NAME not in hidden.summary
        assert seen.summary == f"Customer: {NAME}, owner 王芳 — same company name"


def test_the_hidden_owner_reads_naturally_in_chinese(company, alices):
    hidden = only(find_collisions(actor=company.dave, phone=SWITCHBOARD))
    with translation.override("zh-hans"):
        assert hidden.followed_by == "已被 王芳（销售一部）跟进"
        assert hidden.summary == "客户：已被 王芳（销售一部）跟进 — 电话相同"


def test_a_customer_without_owner_says_it_is_in_the_pool(company, make_customer):
    make_customer(None, NAME)
    found = only(find_collisions(actor=company.dave, name=NAME))
    assert found.in_pool and found.owner_name == "" and not found.visible
    with translation.override("en"):
        assert found.followed_by == "In the customer pool"
    with translation.override("zh-hans"):
        assert found.followed_by == "在公海中"
    assert only(find_collisions(actor=company.root, name=NAME)).visible


def test_a_collaborator_sees_the_record(company, alices):
    services.customer_set_collaborator(actor=company.alice, customer=alices, user=company.dave, can_edit=False)
    assert only(find_collisions(actor=company.dave, name=NAME)).visible
    assert not only(find_collisions(actor=company.bob, name=NAME)).visible


# -- what matches --


@pytest.mark.parametrize("values,reasons", [
    ({"name": "腾远电子科技有限公司"}, ["name"]),
    ({"name": "Shenzhen 腾远电子科技 Co., Ltd."}, ["name"]),
    ({"phone": "+86 755 8612 3456"}, ["phone"]),
    ({"phone": "(0755) 8612-3456"}, ["phone"]),
    ({"email": " INFO@tengyuan.CN "}, ["email"]),
    ({"name": NAME, "phone": SWITCHBOARD, "email": "info@tengyuan.cn"}, ["name", "phone", "email"]),
    ({"name": "别的公司", "phone": SWITCHBOARD}, ["phone"]),
])
def test_any_written_form_of_name_phone_or_email_matches(company, alices, values, reasons):
    found = only(find_collisions(actor=company.alice, **values))
    assert found.record_id == alices.pk and found.kind == "customer"
    assert found.reasons == reasons


@pytest.mark.parametrize("values", [
    {"name": "深圳市腾远网络科技有限公司"},
    {"phone": "0755-86123457"},
    {"email": "sales@tengyuan.cn"},
    {"phone": "not a phone", "email": "not an email"},
    {"name": "有限公司"},
    {},
])
def test_other_values_match_nothing(company, alices, values):
    assert find_collisions(actor=company.alice, **values) == []


def test_contacts_match_on_their_phones_and_email_not_their_name(company, alices, make_customer):
    other = make_customer(company.dave, "杭州云栖科技有限公司")
    contact = services.contact_create(actor=SYSTEM, customer=other, data={
        "name": "张伟", "mobile": "138 1234 5678", "phone": "010-88886666", "email": "zhangwei@yunqi.cn"})
    for values in ({"phone": "13812345678"}, {"phone": "+86 10 8888 6666"}, {"email": "ZHANGWEI@yunqi.cn"},
                   {"phone": "010-12345678", "phones": ["13812345678"]}):
        found = only(find_collisions(actor=company.alice, **values))
        assert (found.kind, found.visible) == ("contact", False)
        with translation.override("en"):
            assert found.followed_by == "Already followed by 赵磊 (销售二部)"
    seen = only(find_collisions(actor=company.dave, phone="13812345678"))
    assert seen.label == "张伟（杭州云栖科技有限公司）"
    assert seen.url == reverse("customers:contact_edit", args=[contact.pk])
    assert find_collisions(actor=company.alice, name="张伟") == []


def test_a_contact_of_a_matching_customer_adds_its_reason_to_the_customer(company, alices):
    services.contact_create(actor=SYSTEM, customer=alices, data={"name": "李娜", "phone": SWITCHBOARD,
                                                                "mobile": "13900001111"})
    found = only(find_collisions(actor=company.dave, name=NAME, phone="13900001111"))
    assert found.kind == "customer" and found.reasons == ["name", "phone"]


def test_the_record_being_edited_and_its_contacts_are_left_out(company, alices):
    services.contact_create(actor=SYSTEM, customer=alices, data={"name": "李娜", "phone": SWITCHBOARD})
    assert find_collisions(actor=company.alice, name=NAME, phone=SWITCHBOARD, exclude=alices) == []
    assert find_collisions(actor=company.alice, name=NAME, phone=SWITCHBOARD, exclude=[alices]) == []


def test_deleted_customers_do_not_match_until_restored(company, alices):
    services.customer_delete(actor=company.alice, customer=alices)
    assert find_collisions(actor=company.root, name=NAME, phone=SWITCHBOARD) == []
    assert not MatchKey.objects.filter(object_id=alices.pk).exists()
    services.customer_restore(actor=company.root, customer=alices)
    assert only(find_collisions(actor=company.root, name=NAME)).record_id == alices.pk
    services.customer_delete(actor=company.root, customer=alices)
    services.customer_purge(actor=company.root, customer=alices)
    assert not MatchKey.objects.filter(object_id=alices.pk).exists()


def test_a_renamed_customer_matches_by_its_new_name_only(company, alices):
    services.customer_update(actor=company.alice, customer=alices, data={"name": "华信精密机械有限公司"})
    assert find_collisions(actor=company.root, name=NAME) == []
    assert only(find_collisions(actor=company.root, name="华信精密机械（广州）有限公司")).record_id == alices.pk
    assert list(MatchKey.objects.filter(object_id=alices.pk).values_list("kind", "value")) == [("name", "华信精密机械")]


def test_other_apps_register_their_own_sources(company, alices, make_customer, monkeypatch):
    monkeypatch.setattr(collisions, "_SOURCES", dict(collisions._SOURCES))
    extra = make_customer(company.dave, "另一家公司")
    asked = []

    def finder(*, name_key, phone_e164, email, exclude):
        asked.append((name_key, phone_e164, email, exclude))
        return [extra]

    collisions.register_collision_source("probe", finder)
    found = [c for c in find_collisions(actor=company.alice, name=SAME_NAME, exclude=alices) if c.kind == "probe"]
    assert asked == [("腾远电子科技", "", "", alices)]
    assert only(found).owner_name == "赵磊" and not found[0].visible
    with translation.override("en"):
        assert found[0].kind_label == "Customer"  # the model's own name when the source gives none


def test_leads_someone_works_are_found_too(company, alices):
    from guanxi.sales.leads.models import Lead

    Lead.objects.create(name="陈晨", company="华信精密机械有限公司", phone="13700001111", phone_e164="+8613700001111",
                        owner=company.dave, department=company.dave.department, name_key="华信精密机械")
    found = only(find_collisions(actor=company.alice, name="广州华信精密机械有限公司"))
    assert found.kind == "lead" and found.owner_name == "赵磊" and not found.visible
    assert only(find_collisions(actor=company.alice, phone="137 0000 1111")).kind == "lead"


# -- bounded cost --


def _queries(actor, **values) -> int:
    with CaptureQueriesContext(connection) as ctx:
        find_collisions(actor=actor, **values)
    return len(ctx)


def test_the_number_of_queries_does_not_grow_with_the_records(company, alices, make_customer):
    values = {"name": SAME_NAME, "phone": SWITCHBOARD, "email": "info@tengyuan.cn"}
    elsewhere = make_customer(company.dave, "无关公司")
    services.contact_create(actor=SYSTEM, customer=elsewhere, data={"name": "联系人", "email": "info@tengyuan.cn"})
    find_collisions(actor=company.carol, **values)  # the actor's roles are read once per request
    before = _queries(company.carol, **values)
    assert {c.kind for c in find_collisions(actor=company.carol, **values)} == {"customer", "contact"}
    for i in range(40):
        owner = company.dave if i % 2 else company.bob
        customer = make_customer(owner, SAME_NAME if i % 3 else f"无关公司{i}", phone=SWITCHBOARD if i % 2 else "")
        services.contact_create(actor=SYSTEM, customer=customer,
                                data={"name": f"联系人{i}", "email": "info@tengyuan.cn" if i % 2 else ""})
    found = find_collisions(actor=company.carol, **values)
    assert len(found) == LIMIT
    assert _queries(company.carol, **values) == before


def test_nothing_to_look_up_costs_no_query(company):
    assert _queries(company.alice, name="有", phone="123", email="x") == 0


# -- the guard --


def test_guard_warns_until_confirmed(company, alices):
    with pytest.raises(PossibleDuplicate) as caught:
        collision_guard(actor=company.bob, name=SAME_NAME)
    error = caught.value
    assert (error.code, error.status, error.blocked) == ("possible_duplicate", 409, False)
    with translation.override("en"):
        assert error.as_dict()["errors"] == {
            "__all__": ["Customer: Already followed by 王芳 (销售一部) — same company name"]}
    confirmed = collision_guard(actor=company.bob, name=SAME_NAME, confirmed=True)
    assert [c.record.pk for c in confirmed] == [alices.pk]
    assert collision_guard(actor=company.bob, name="别的公司") == []


def test_guard_blocks_even_when_confirmed_if_the_policy_says_so(company, alices, block_duplicates):
    with pytest.raises(PossibleDuplicate) as caught:
        collision_guard(actor=company.bob, phone=SWITCHBOARD, confirmed=True)
    assert caught.value.blocked
    with translation.override("en"):
        assert "may not be saved" in str(caught.value.message)
