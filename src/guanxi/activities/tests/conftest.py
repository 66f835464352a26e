"""Fixtures for follow-up tests: signed-in clients, customers and follow-ups made through the services."""

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.activities import services as activity_services
from guanxi.core.system import SYSTEM
from guanxi.customers import services as customer_services


@pytest.fixture
def login(client):
    """`login(user)` signs `user` in on the test client (English pages) and returns the client."""

    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


@pytest.fixture
def make_customer(db):
    def create(owner, name="杭州云栖科技有限公司", **data):
        return customer_services.customer_create(actor=SYSTEM, data={"name": name, "owner": owner, **data})

    return create


@pytest.fixture
def make_follow_up(db):
    """`make_follow_up(author, customer, content, hours_ago=1)` logs a follow-up as `author`."""

    def create(author, customer, content="电话沟通报价", *, hours_ago=1, **data):
        data = {"content": content, "occurred_at": timezone.now() - dt.timedelta(hours=hours_ago), **data}
        return activity_services.follow_up_create(actor=author, customer=customer, data=data)

    return create
