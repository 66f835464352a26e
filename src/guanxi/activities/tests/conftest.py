"""Fixtures for follow-up tests (`login` and `make_customer` come from the root conftest)."""

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.activities import services as activity_services


@pytest.fixture
def make_follow_up(db):
    """`make_follow_up(author, customer, content, hours_ago=1)` logs a follow-up as `author`."""

    def create(author, customer, content="电话沟通报价", *, hours_ago=1, **data):
        data = {"content": content, "occurred_at": timezone.now() - dt.timedelta(hours=hours_ago), **data}
        return activity_services.follow_up_create(actor=author, customer=customer, data=data)

    return create
