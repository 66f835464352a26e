"""Custom field definitions and value validation."""

import pytest

from guanxi.core import customfields
from guanxi.core.errors import DomainError, Forbidden
from guanxi.core.models import CustomFieldKind
from guanxi.core.services import custom_field_create, custom_field_delete

pytestmark = pytest.mark.django_db


def _define(company, key, kind, **kw):
    return custom_field_create(actor=company.root, entity="customers.customer", key=key, label=key, kind=kind, **kw)


def test_each_kind_is_validated_and_normalised(company):
    _define(company, "budget", CustomFieldKind.NUMBER)
    _define(company, "since", CustomFieldKind.DATE)
    _define(company, "level", CustomFieldKind.CHOICE, choices=["金牌", "银牌"])
    _define(company, "channels", CustomFieldKind.MULTI_CHOICE, choices=["微信", "电话", "邮件"])
    _define(company, "vip", CustomFieldKind.BOOLEAN)
    _define(company, "memo", CustomFieldKind.TEXT)
    values = customfields.validate("customers.customer", {
        "budget": " 12.50 ", "since": "2026-01-31", "level": "金牌", "channels": ["微信", "邮件"],
        "vip": "是", "memo": "<b>x</b>",
    })
    assert values == {"budget": "12.50", "since": "2026-01-31", "level": "金牌", "channels": ["微信", "邮件"],
                      "vip": True, "memo": "<b>x</b>"}


@pytest.mark.parametrize("key,kind,bad", [
    ("budget", CustomFieldKind.NUMBER, "twelve"),
    ("budget", CustomFieldKind.NUMBER, "NaN"),
    ("since", CustomFieldKind.DATE, "31/01/2026"),
    ("level", CustomFieldKind.CHOICE, "铜牌"),
    ("vip", CustomFieldKind.BOOLEAN, "maybe"),
    ("memo", CustomFieldKind.TEXT, "x" * 3_000_000),
])
def test_bad_values_name_the_field(company, key, kind, bad):
    _define(company, key, kind, choices=["金牌"] if kind == CustomFieldKind.CHOICE else None)
    with pytest.raises(DomainError) as exc:
        customfields.validate("customers.customer", {key: bad})
    assert list(exc.value.errors) == [f"custom.{key}"]


def test_required_unknown_and_inactive_fields(company):
    definition = _define(company, "contract_no", CustomFieldKind.TEXT, required=True)
    with pytest.raises(DomainError) as exc:
        customfields.validate("customers.customer", {"ghost": "1"})
    assert set(exc.value.errors) == {"custom.ghost", "custom.contract_no"}
    custom_field_delete(actor=company.root, definition=definition)
    # A deactivated field is no longer required, and stored values are kept untouched.
    assert customfields.validate("customers.customer", {}, current={"contract_no": "HT-1"}) == {"contract_no": "HT-1"}


def test_only_admins_define_fields(company):
    with pytest.raises(Forbidden):
        _define(type("C", (), {"root": company.alice})(), "x", CustomFieldKind.TEXT)


def test_choice_fields_need_options_and_keys_are_unique(company):
    with pytest.raises(DomainError) as exc:
        _define(company, "level", CustomFieldKind.CHOICE, choices=["  "])
    assert "choices" in exc.value.errors
    _define(company, "memo", CustomFieldKind.TEXT)
    with pytest.raises(DomainError) as exc:
        _define(company, "memo", CustomFieldKind.TEXT)
    assert "key" in exc.value.errors
