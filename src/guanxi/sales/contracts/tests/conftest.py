"""Fixtures for contract tests (`company`, `login` and `make_customer` come from the root conftest)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.org.services import token_create
from guanxi.sales.contracts import services
from guanxi.sales.opportunities.models import Opportunity, Pipeline, Stage
from guanxi.sales.quotes.models import Quote

API = "/api/v1"


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


@pytest.fixture
def make_contract(db, make_customer):
    """`make_contract(owner, amount="100000.00", active=False, customer=None, **data)`, made as its owner.

    `active=True` submits it; with no approval flow configured it comes into force at once.
    """

    def create(owner, amount="100000.00", *, active=False, customer=None, **data):
        customer = customer or make_customer(owner, f"{owner.username}的客户")
        fields = {"title": "年度服务合同", "customer": customer, "amount": Decimal(amount), **data}
        contract = services.contract_create(actor=owner, data=fields)
        if active:
            services.contract_submit(actor=owner, contract=contract)
        return contract

    return create


@pytest.fixture
def won_opportunity(db):
    """`won_opportunity(owner, customer, amount=...)`: an opportunity in a won stage (made directly; the
    opportunities app builds its own services)."""

    def create(owner, customer, amount="88000.00", *, status="won", currency="CNY"):
        pipeline, _created = Pipeline.objects.get_or_create(name="新客户销售", defaults={"is_default": True})
        stage, _created = Stage.objects.get_or_create(pipeline=pipeline, name="赢单", defaults={"kind": "won",
                                                                                              "probability": 100})
        return Opportunity.objects.create(name="云平台采购项目", customer=customer, amount=Decimal(amount),
                                          currency=currency, pipeline=pipeline, stage=stage, status=status,
                                          owner=owner, department_id=owner.department_id)

    return create


@pytest.fixture
def accepted_quote(db):
    """`accepted_quote(owner, customer, total=..., opportunity=None)`: a quote the customer accepted."""

    def create(owner, customer, total="66000.00", *, opportunity=None, status="accepted", currency="CNY"):
        return Quote.objects.create(number=f"QT-2026-{Quote.objects.count() + 1:06d}", title="云平台报价",
                                    customer=customer, opportunity=opportunity, status=status, currency=currency,
                                    total=Decimal(total), subtotal=Decimal(total), owner=owner,
                                    department_id=owner.department_id)

    return create


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client: Client, method: str, url: str, body=None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(API + url, payload, content_type="application/json")
