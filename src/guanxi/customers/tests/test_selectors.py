"""Customer selectors and filters behind the pages: scoped pickers, saved views, custom field filters."""

import pytest

from guanxi.core.errors import DomainError
from guanxi.core.scopes import DataScope
from guanxi.core.system import SYSTEM
from guanxi.customers import selectors
from guanxi.customers.filters import CustomerFilters
from guanxi.org.models import Role, SavedView

pytestmark = pytest.mark.django_db


def _names(users):
    return {u.username for u in users}


def test_owner_choices_follow_the_data_scope(company):
    expected = {
        "alice": {"alice"},
        "bob": {"bob"},
        "carol": {"alice", "bob", "carol", "erin"},
        "dave": {"dave"},
        "erin": set(),
        "root": {"alice", "bob", "carol", "dave", "erin", "root"},
    }
    actual = {name: _names(selectors.customer_owner_choices(actor=user)) for name, user in company.cast().items()}
    assert actual == expected


def test_owner_choices_for_subordinate_and_department_tree_scopes(company):
    company.carol.roles.set([Role.objects.create(
        name="下属范围", actions=["customers.view"], scopes={"customers": DataScope.SELF_AND_SUBORDINATES})])
    company.root.is_superuser = False
    company.root.save()
    company.root.roles.set([Role.objects.create(
        name="部门树", actions=["customers.view"], scopes={"customers": DataScope.DEPARTMENT_TREE})])
    from guanxi.org.models import User

    carol, root = User.objects.get(pk=company.carol.pk), User.objects.get(pk=company.root.pk)
    assert _names(selectors.customer_owner_choices(actor=carol)) == {"carol", "alice", "bob"}
    assert _names(selectors.customer_owner_choices(actor=root)) == {"alice", "bob", "carol", "dave", "erin", "root"}


def test_deactivated_users_are_never_offered(company):
    company.bob.is_active = False
    company.bob.save()
    assert "bob" not in _names(selectors.customer_owner_choices(actor=company.carol))


def test_collaborator_choices_exclude_the_owner(company, make_customer):
    customer = make_customer(company.alice)
    names = _names(selectors.customer_collaborator_choices(customer=customer))
    assert "alice" not in names and {"bob", "dave"} <= names


def test_saved_views_are_private(company):
    SavedView.objects.create(user=company.alice, entity="customers.customer", name="A", query="grade=A")
    SavedView.objects.create(user=company.bob, entity="customers.customer", name="B", query="grade=B")
    SavedView.objects.create(user=company.alice, entity="sales.lead", name="线索", query="")
    assert [v.name for v in selectors.customer_saved_views(actor=company.alice)] == ["A"]


def test_custom_filters_parse_and_match_exact_values(company, make_customer, custom_field):
    custom_field("budget", "number")
    custom_field("signed", "date")
    custom_field("lines", "multi_choice", choices=["云", "端", "云端"])
    a = make_customer(company.alice, "甲", custom={"budget": "100", "signed": "2025-01-02", "lines": ["云端"]})
    b = make_customer(company.alice, "乙", custom={"budget": "200", "lines": ["云", "端"]})

    def found(params):
        filters = CustomerFilters.from_query(params)
        return {c.pk for c in selectors.customer_list(actor=SYSTEM, filters=filters)}

    assert found({"cf_budget": "100"}) == {a.pk}
    assert found({"cf_signed": "2025-01-02"}) == {a.pk}
    # "云" must not match the distinct option "云端".
    assert found({"cf_lines": "云"}) == {b.pk}
    assert found({"cf_lines": "云端"}) == {a.pk}
    assert CustomerFilters.from_query({"cf_budget": "100"}).is_active()
    assert not CustomerFilters.from_query({}).is_active()


@pytest.mark.parametrize(("params", "field"), [
    ({"cf_budget": "many"}, "cf_budget"),
    ({"cf_signed": "2025-02-30"}, "cf_signed"),
    ({"cf_lines": "不存在"}, "cf_lines"),
    ({"cf_unknown": "x"}, "cf_unknown"),
])
def test_invalid_custom_filters_are_refused_with_a_field_error(company, custom_field, params, field):
    custom_field("budget", "number")
    custom_field("signed", "date")
    custom_field("lines", "multi_choice", choices=["云", "端"])
    with pytest.raises(DomainError) as exc:
        CustomerFilters.from_query(params)
    assert field in exc.value.errors
