"""The collision check in the customer services, the match keys they keep, and the policy setting."""

import pytest

from guanxi.core.errors import DomainError, Forbidden
from guanxi.core.models import AuditEvent
from guanxi.core.system import SYSTEM
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer
from guanxi.dataquality.collisions import PossibleDuplicate
from guanxi.dataquality.models import CollisionPolicy, MatchKey
from guanxi.dataquality.selectors import collision_mode
from guanxi.dataquality.services import collision_policy_set

pytestmark = pytest.mark.django_db

NAME = "深圳市腾远电子科技有限公司"


@pytest.fixture
def daves(company, make_customer):
    return make_customer(company.dave, NAME, phone="0755-86123456", email="info@tengyuan.cn")


# -- creating a customer --


def test_a_possible_duplicate_is_not_saved_until_confirmed(company, daves):
    data = {"name": "腾远电子科技（深圳）有限公司", "phone": "13812345678"}
    with pytest.raises(PossibleDuplicate):
        services.customer_create(actor=company.alice, data=data, check_duplicates=True)
    assert Customer.objects.count() == 1
    assert not AuditEvent.objects.filter(action="customer.created", actor=company.alice).exists()
    customer = services.customer_create(actor=company.alice, data=data, check_duplicates=True,
                                        confirm_duplicate=True)
    event = AuditEvent.objects.get(action="customer.created", object_id=str(customer.pk))
    assert event.extra == {"duplicates_confirmed": [{"kind": "customer", "id": daves.pk, "reasons": ["name"]}]}
    assert MatchKey.objects.filter(object_id=customer.pk, kind="name", value="腾远电子科技").exists()


def test_block_mode_refuses_even_a_confirmed_duplicate(company, daves, block_duplicates):
    with pytest.raises(PossibleDuplicate) as caught:
        services.customer_create(actor=company.alice, data={"name": "别的名字", "email": "INFO@tengyuan.cn"},
                                 check_duplicates=True, confirm_duplicate=True)
    assert caught.value.blocked
    assert Customer.objects.count() == 1


def test_a_customer_unlike_any_other_is_saved_with_its_key(company, daves):
    customer = services.customer_create(actor=company.alice, data={"name": "华信精密机械有限公司"},
                                        check_duplicates=True)
    event = AuditEvent.objects.get(action="customer.created", object_id=str(customer.pk))
    assert "duplicates_confirmed" not in event.extra
    assert list(MatchKey.objects.filter(object_id=customer.pk).values_list("entity", "kind", "value")) == [
        ("customers.customer", "name", "华信精密机械")]


def test_system_work_and_imports_are_not_checked(company, make_customer, daves):
    # The demo, fixtures and scripts create as SYSTEM without asking; the people's paths ask.
    again = make_customer(company.alice, NAME, phone="0755-86123456")
    assert again.pk != daves.pk


def test_bad_input_is_reported_before_the_check(company, daves, block_duplicates):
    with pytest.raises(DomainError) as caught:
        services.customer_create(actor=company.alice, data={"name": NAME, "phone": "not a phone"},
                                 check_duplicates=True)
    assert caught.value.code != "possible_duplicate" and "phone" in caught.value.errors


# -- editing a customer --


def test_changing_name_phone_or_email_is_checked_other_edits_are_not(company, make_customer, daves):
    mine = make_customer(company.alice, "华信精密机械有限公司")
    services.customer_update(actor=company.alice, customer=mine, data={"notes": "老客户"}, check_duplicates=True)
    with pytest.raises(PossibleDuplicate):
        services.customer_update(actor=company.alice, customer=mine, data={"phone": "+86 755 8612 3456"},
                                 check_duplicates=True)
    mine.refresh_from_db()
    assert mine.phone == ""
    services.customer_update(actor=company.alice, customer=mine, data={"phone": "+86 755 8612 3456"},
                             check_duplicates=True, confirm_duplicate=True)
    mine.refresh_from_db()
    assert mine.phone_e164 == "+8675586123456"


def test_saving_a_customer_does_not_collide_with_itself(company, daves):
    services.customer_update(actor=company.dave, customer=daves,
                             data={"name": "腾远电子科技（深圳）有限公司", "phone": "075586123456"},
                             check_duplicates=True)
    assert list(MatchKey.objects.filter(object_id=daves.pk).values_list("value", flat=True)) == ["腾远电子科技"]


def test_an_existing_duplicate_name_does_not_stop_unrelated_edits(company, make_customer, daves):
    twin = make_customer(company.alice, NAME)
    services.customer_update(actor=company.alice, customer=twin, data={"grade": "A"}, check_duplicates=True)
    twin.refresh_from_db()
    assert twin.grade == "A"


# -- contacts --


def test_a_contact_with_another_customers_phone_is_checked(company, make_customer, daves):
    mine = make_customer(company.alice, "华信精密机械有限公司")
    data = {"name": "张伟", "mobile": "13812345678", "phone": "0755-86123456"}
    with pytest.raises(PossibleDuplicate) as caught:
        services.contact_create(actor=company.alice, customer=mine, data=data, check_duplicates=True)
    assert [c.kind for c in caught.value.collisions] == ["customer"]
    assert not Contact.objects.exists()
    contact = services.contact_create(actor=company.alice, customer=mine, data=data, check_duplicates=True,
                                      confirm_duplicate=True)
    assert AuditEvent.objects.get(action="contact.created", object_id=str(contact.pk)).extra[
        "duplicates_confirmed"][0]["id"] == daves.pk


def test_a_contact_may_share_its_own_customers_switchboard(company, daves):
    services.contact_create(actor=company.dave, customer=daves, data={"name": "李娜", "phone": "0755-86123456",
                                                                      "email": "info@tengyuan.cn"},
                            check_duplicates=True)
    assert daves.contacts.count() == 1


def test_changing_a_contacts_mobile_is_checked(company, make_customer, daves):
    mine = make_customer(company.alice, "华信精密机械有限公司")
    contact = services.contact_create(actor=company.alice, customer=mine, data={"name": "张伟"})
    with pytest.raises(PossibleDuplicate):
        services.contact_update(actor=company.alice, contact=contact, data={"mobile": "0755 8612 3456"},
                                check_duplicates=True)
    services.contact_update(actor=company.alice, contact=contact, data={"title": "经理"}, check_duplicates=True)
    contact.refresh_from_db()
    assert (contact.mobile, contact.title) == ("", "经理")


# -- the policy --


def test_only_data_quality_managers_change_the_policy(company):
    for user in (company.alice, company.carol, company.erin):
        with pytest.raises(Forbidden):
            collision_policy_set(actor=user, mode="block")
    assert collision_mode() == "warn"
    collision_policy_set(actor=company.root, mode="block")
    assert collision_mode() == "block"
    event = AuditEvent.objects.get(action="dataquality.policy_changed")
    assert (event.actor, event.changes) == (company.root, {"mode": ["warn", "block"]})
    assert CollisionPolicy.objects.get().updated_by == company.root


@pytest.mark.parametrize("mode", ["", "off", "WARN", "<b>block</b>", "x" * 1000])
def test_an_unknown_mode_is_refused(company, mode):
    with pytest.raises(DomainError) as caught:
        collision_policy_set(actor=company.root, mode=mode)
    assert "mode" in caught.value.errors
    assert not CollisionPolicy.objects.exists()


def test_keys_of_a_bulk_deleted_customer_go_with_it(company, daves):
    services.customer_bulk_delete(actor=SYSTEM, ids=[daves.pk])
    assert not MatchKey.objects.exists()
