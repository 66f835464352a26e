"""Fixtures of the webhook tests: customers registered as a webhook resource the way the customers app
would, a role that configures webhooks (held by carol), subscriptions, and a real HTTP receiver."""

from __future__ import annotations

import pytest
from django.utils import translation

from guanxi.automation.webhooks import services
from guanxi.automation.webhooks.dispatch import forget_routes
from guanxi.automation.webhooks.registry import (
    api_view,
    register_webhook_resource,
    unregister_webhook_resource,
    webhook_resources,
)
from guanxi.core.system import SYSTEM

from .receiver import Receiver

CUSTOMER_EVENTS = ["created", "updated", "deleted", "restored", "transferred"]


@pytest.fixture(autouse=True)
def _english():
    """Assertions read English messages; the Chinese catalogue is checked by its own tests."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_routes():
    # The routes are cached per process; each test's subscriptions live in its own rolled-back transaction.
    forget_routes()
    yield
    forget_routes()


@pytest.fixture
def customer_resource(db):
    """Customers as a webhook resource: read with the system's view, serialized by the API's CustomerOut."""
    from guanxi.customers import selectors
    from guanxi.customers.models import Customer
    from guanxi.customers.schemas import CustomerOut

    previous = next((r for r in webhook_resources() if r.prefix == "customer"), None)
    resource = register_webhook_resource(
        "customer", model=Customer, label="Customer", serialize=api_view(CustomerOut),
        load=lambda pk: selectors.customer_get(actor=SYSTEM, id=pk), events=CUSTOMER_EVENTS)
    yield resource
    unregister_webhook_resource("customer")
    if previous is not None:
        register_webhook_resource(previous.prefix, model=previous.model, serialize=previous.serialize,
                                  label=previous.label, events=previous.events, load=previous.load)


@pytest.fixture
def integrators(company):
    """The test company with the 集成管理 role (automation.manage_webhooks) given to carol; root is a superuser
    and alice, bob, dave (sellers) and erin (no role) may not configure webhooks."""
    from guanxi.org.models import Role, User

    role = Role.objects.create(name="集成管理", actions=["automation.manage_webhooks"], scopes={})
    company.carol.roles.add(role)
    User.objects.update(language="en")
    for name in ("alice", "bob", "carol", "dave", "erin", "root"):
        setattr(company, name, User.objects.get(username=name))
    return company


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def make_subscription(integrators, customer_resource):
    """`make_subscription(url, event_types, name=…, is_active=True)`, created by carol."""

    def create(url: str, event_types: list[str], *, name: str = "ERP 同步", is_active: bool = True):
        return services.subscription_create(actor=integrators.carol, data={
            "name": name, "target_url": url, "event_types": event_types, "is_active": is_active})

    return create


@pytest.fixture
def api():
    """`api(user)` is a client signed in with a personal API token of `user`."""
    from django.test import Client

    from guanxi.org.services import token_create

    def client_for(user) -> Client:
        _token, secret = token_create(actor=user, user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})

    return client_for
