"""Customer services: the write path, scopes, audit, concurrency."""

import pytest

from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import selectors, services
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_create_sets_owner_department_search_and_audit(company):
    # when
    customer = services.customer_create(
        actor=company.alice, data={"name": "深圳华为技术有限公司", "phone": "138 1234 5678", "email": "Sales@HW.cn"}
    )
    # then
    customer.refresh_from_db()
    assert customer.owner == company.alice
    assert customer.department == company.sales1
    assert customer.phone_e164 == "+8613812345678"
    assert customer.email == "sales@hw.cn"
    event = AuditEvent.objects.get(action="customer.created", object_id=str(customer.pk))
    assert event.actor == company.alice
    assert event.changes["name"] == [None, "深圳华为技术有限公司"]


def test_visibility_matrix_of_a_sellers_customer(company):
    customer = services.customer_create(actor=company.alice, data={"name": "杭州云栖科技"})
    assert_matrix(
        company,
        lambda user: Customer.objects.visible_to(user).filter(pk=customer.pk).exists(),
        ALICE_RECORD_VISIBLE,
    )


def test_out_of_scope_detail_is_not_found(company):
    customer = services.customer_create(actor=company.alice, data={"name": "杭州云栖科技"})
    with pytest.raises(NotFound):
        selectors.customer_get(actor=company.dave, id=customer.pk)


def test_invalid_phone_is_refused_and_nothing_saved(company):
    with pytest.raises(DomainError) as exc:
        services.customer_create(actor=company.alice, data={"name": "某公司", "phone": "12345"})
    assert "phone" in exc.value.errors
    assert not Customer.objects.exists()


def test_stale_edit_is_refused(company):
    customer = services.customer_create(actor=company.alice, data={"name": "旧名"})
    version = customer.version
    services.customer_update(actor=company.alice, customer=customer, data={"name": "新名"}, expected_version=version)
    stale = Customer.objects.get(pk=customer.pk)
    with pytest.raises(Conflict):
        services.customer_update(actor=company.alice, customer=stale, data={"name": "又一个名"},
                                 expected_version=version)
    assert Customer.objects.get(pk=customer.pk).name == "新名"


def test_search_by_pinyin_initials_and_chinese_substring(company):
    services.customer_create(actor=company.alice, data={"name": "张伟"})
    services.customer_create(actor=company.alice, data={"name": "李娜"})
    from guanxi.customers.filters import CustomerFilters

    by_initials = selectors.customer_list(actor=company.alice, filters=CustomerFilters(q="zw"))
    by_chars = selectors.customer_list(actor=company.alice, filters=CustomerFilters(q="伟"))
    assert [c.name for c in by_initials] == ["张伟"]
    assert [c.name for c in by_chars] == ["张伟"]
