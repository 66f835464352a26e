"""Fixtures for the customer page tests: signed-in clients and customers made through the services."""

import pytest

from guanxi.core.system import SYSTEM
from guanxi.customers import services


@pytest.fixture
def login(client):
    """`login(user)` signs `user` in on the test client and returns the client."""

    def sign_in(user):
        client.force_login(user)
        # Assertions read English text; one test checks the Chinese catalogue explicitly.
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


@pytest.fixture
def make_customer(db):
    """`make_customer(owner, name, **fields)` creates a customer the way the application does."""

    def create(owner, name="杭州云栖科技有限公司", *, tags=None, custom=None, **data):
        return services.customer_create(actor=SYSTEM, data={"name": name, "owner": owner, **data}, tags=tags,
                                        custom=custom)

    return create


@pytest.fixture
def custom_field(db):
    """`custom_field(key, kind, choices=..., required=...)` defines a customer custom field."""
    from guanxi.core.services import custom_field_create

    def define(key, kind="text", *, label=None, choices=None, required=False, entity="customers.customer"):
        return custom_field_create(actor=SYSTEM, entity=entity, key=key, label=label or key.title(), kind=kind,
                                   choices=choices, required=required)

    return define
