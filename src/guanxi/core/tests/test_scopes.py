"""Data scopes: every scope, the widest-role rule, collaborators, deactivated users."""

import pytest

from guanxi.core.models import Collaborator
from guanxi.core.scopes import DataScope, widest
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers.models import Customer
from guanxi.org.models import Department, Role

pytestmark = pytest.mark.django_db


def _customer(owner, name="客户") -> Customer:
    return Customer.objects.create(name=name, owner=owner, department=owner.department if owner else None)


def _visible(user, customer) -> bool:
    return Customer.objects.visible_to(user).filter(pk=customer.pk).exists()


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_widest_scope_wins():
    assert widest(["self", "department_tree", "department"]) == DataScope.DEPARTMENT_TREE
    assert widest([]) is None
    assert widest(["nonsense"]) is None


def test_default_matrix(company):
    customer = _customer(company.alice)
    assert_matrix(company, lambda u: _visible(u, customer), ALICE_RECORD_VISIBLE)


def test_self_and_subordinates_reaches_the_whole_reporting_chain(company):
    boss_role = Role.objects.create(name="总监", actions=["customers.view"],
                                    scopes={"customers": DataScope.SELF_AND_SUBORDINATES})
    # dave reports to bob, bob reports to carol: carol's subordinates' subordinates count too.
    company.dave.manager = company.bob
    company.dave.save()
    company.carol.roles.set([boss_role])
    customer = _customer(company.dave)
    assert _visible(_fresh(company.carol), customer)
    assert not _visible(_fresh(company.bob), customer)  # bob's own role is SELF


def test_department_tree_reaches_sub_departments_only(company):
    director = Role.objects.create(name="销售总监", actions=["customers.view"],
                                   scopes={"customers": DataScope.DEPARTMENT_TREE})
    head = type(company.alice).objects.create_user("head", department=company.sales)
    head.roles.add(director)
    in_sales1 = _customer(company.alice)
    in_sales2 = _customer(company.dave)
    service = Department.objects.create(name="客服部", parent=company.hq)
    service.path = company.hq.path + Department.path_segment(service.pk)
    service.save()
    outsider = type(company.alice).objects.create_user("svc", department=service)
    elsewhere = _customer(outsider)
    head = _fresh(head)
    assert _visible(head, in_sales1) and _visible(head, in_sales2)
    assert not _visible(head, elsewhere)


def test_department_scope_does_not_reach_sub_departments(company):
    role = Role.objects.create(name="部门", actions=["customers.view"], scopes={"customers": DataScope.DEPARTMENT})
    sales_head = type(company.alice).objects.create_user("sh", department=company.sales)
    sales_head.roles.add(role)
    assert not _visible(_fresh(sales_head), _customer(company.alice))


def test_collaborators_see_and_only_writers_edit(company):
    customer = _customer(company.alice)
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Customer)
    Collaborator.objects.create(content_type=ct, object_id=customer.pk, user=company.bob, can_edit=False)
    Collaborator.objects.create(content_type=ct, object_id=customer.pk, user=company.dave, can_edit=True)
    assert _visible(company.bob, customer)
    assert not Customer.objects.editable_by(company.bob).filter(pk=customer.pk).exists()
    assert Customer.objects.editable_by(company.dave).filter(pk=customer.pk).exists()


def test_deactivated_user_sees_nothing(company):
    customer = _customer(company.alice)
    company.alice.is_active = False
    company.alice.save()
    assert not _visible(_fresh(company.alice), customer)


def test_soft_deleted_records_are_invisible_to_everyone(company):
    from django.utils import timezone

    customer = _customer(company.alice)
    Customer.objects.filter(pk=customer.pk).update(deleted_at=timezone.now())
    assert_matrix(company, lambda u: _visible(u, customer), {n: False for n in ALICE_RECORD_VISIBLE})
