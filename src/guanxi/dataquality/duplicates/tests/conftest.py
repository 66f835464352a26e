"""Fixtures of the duplicate review tests (`company`, `login` and `make_customer` come from the root conftest)."""

import json

import pytest
from django.test import Client

from guanxi.core.system import SYSTEM

BASE = "/api/v1"


@pytest.fixture
def reviewers(company):
    """Carol (manager, department scope) and the superuser may scan; sellers may not."""
    role = company.manager_role
    role.actions = [*role.actions, "dataquality.scan", "dataquality.merge"]
    role.save(update_fields=["actions"])
    return company


@pytest.fixture
def make_contact(db):
    from guanxi.customers import services

    def create(customer, name, **data):
        return services.contact_create(actor=SYSTEM, customer=customer, data={"name": name, **data})

    return create


@pytest.fixture
def run_scan(django_capture_on_commit_callbacks):
    """`run_scan(actor)` starts a scan and runs its job to the end, as the worker would."""
    from guanxi.dataquality.duplicates.models import DuplicateScan
    from guanxi.dataquality.duplicates.services import duplicate_scan_start

    def scan(actor=SYSTEM):
        with django_capture_on_commit_callbacks(execute=True):
            started = duplicate_scan_start(actor=actor)
        return DuplicateScan.objects.select_related("job").get(pk=started.pk)

    return scan


@pytest.fixture
def api():
    """`api(user)` is a client signed in with a personal API token of `user`."""
    from guanxi.org.services import token_create

    def client_for(user) -> Client:
        _token, secret = token_create(actor=user, user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})

    return client_for


def send(client: Client, method: str, url: str, body=None):
    if method == "get":
        return client.get(BASE + url)
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(BASE + url, payload, content_type="application/json")
