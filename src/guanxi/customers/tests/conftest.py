"""Fixtures for the customer tests (`login` and `make_customer` come from the root conftest)."""

import pytest

from guanxi.core.system import SYSTEM

from .pool_support import english, owned, pooled, pools, set_rules  # noqa: F401 - the customer pool fixtures


@pytest.fixture
def custom_field(db):
    """`custom_field(key, kind, choices=..., required=...)` defines a customer custom field."""
    from guanxi.core.services import custom_field_create

    def define(key, kind="text", *, label=None, choices=None, required=False, entity="customers.customer"):
        return custom_field_create(actor=SYSTEM, entity=entity, key=key, label=label or key.title(), kind=kind,
                                   choices=choices, required=required)

    return define
