"""Fixtures for the collision check tests (`company`, `login` and `make_customer` come from the root conftest)."""

import json

import pytest
from django.test import Client

from guanxi.core.system import SYSTEM

BASE = "/api/v1"


@pytest.fixture
def block_duplicates(db):
    """The admin's policy set to refuse duplicates."""
    from guanxi.dataquality.services import collision_policy_set

    collision_policy_set(actor=SYSTEM, mode="block")


@pytest.fixture
def api():
    """`api(user)` is a client signed in with a personal API token of `user`."""
    from guanxi.org.services import token_create

    def client_for(user) -> Client:
        _token, secret = token_create(actor=user, user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})

    return client_for


def send(client: Client, method: str, url: str, body=None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(BASE + url, payload, content_type="application/json")
