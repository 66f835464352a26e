"""Fixtures for export tests: one record of every exportable list, and readers for the files.

`company`, `login` and `make_customer` come from the root conftest.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone, translation

from guanxi.activities import services as activity_services
from guanxi.core.system import SYSTEM
from guanxi.customers import services as customer_services
from guanxi.org.services import token_create
from guanxi.sales.contracts import services as contract_services
from guanxi.sales.leads import services as lead_services
from guanxi.sales.opportunities import services as opportunity_services
from guanxi.sales.products.models import Product
from guanxi.sales.quotes import services as quote_services

API = "/api/v1"
# Every list the apps register, and the column that identifies a record in its file.
LISTS = ["contacts", "contracts", "customers", "follow_ups", "leads", "opportunities", "payments", "products",
         "quotes", "receivables"]


@pytest.fixture(autouse=True)
def _english():
    """Messages raised outside a request (and background jobs of users without a language) read in English."""
    with translation.override("en"):
        yield


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})


def post_export(client: Client, body) -> Any:
    payload = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"{API}/exports", payload, content_type="application/json")


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def read_csv(response) -> list[list[str]]:
    raw = body_of(response)
    assert raw.startswith("\ufeff".encode()), "a CSV export starts with a byte-order mark"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def read_xlsx(data) -> list[list[object]]:
    raw = data if isinstance(data, bytes) else body_of(data)
    workbook = openpyxl.load_workbook(io.BytesIO(raw))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def read_file(response, fmt: str) -> list[list]:
    return read_csv(response) if fmt == "csv" else read_xlsx(response)


def keys(rows: list[list], column: int = 0) -> set[str]:
    return {str(row[column]) for row in rows[1:]}


@pytest.fixture
def make_record(db, make_customer):
    """`make_record(list_name, owner, label="…")` makes one record the list exports, owned by `owner`
    (through its customer or contract where it has no owner of its own), and returns the text of its
    first export column."""
    pipeline = {}

    def customer(owner, label):
        return make_customer(owner, f"{label}客户{owner.username}")

    def active_contract(owner, label, amount="100000.00"):
        contract = contract_services.contract_create(actor=owner, data={
            "title": f"{label}合同", "customer": customer(owner, label), "amount": Decimal(amount)})
        contract_services.contract_submit(actor=owner, contract=contract)
        contract.refresh_from_db()
        return contract

    def create(name: str, owner, label: str = "甲") -> str:
        if name == "customers":
            return str(customer(owner, label).pk)
        if name == "contacts":
            contact = customer_services.contact_create(actor=SYSTEM, customer=customer(owner, label), data={
                "name": f"{label}联系人", "mobile": "13812345678", "email": "li@jia.cn"})
            return str(contact.pk)
        if name == "follow_ups":
            follow_up = activity_services.follow_up_create(actor=owner, customer=customer(owner, label), data={
                "content": f"{label}电话沟通", "occurred_at": timezone.now() - dt.timedelta(hours=1)})
            return str(follow_up.pk)
        if name == "leads":
            lead = lead_services.lead_create(actor=SYSTEM, data={
                "name": f"{label}线索", "company": f"{label}公司{owner.username}", "owner": owner,
                "phone": "13912345678"}, confirmed=True)
            return str(lead.pk)
        if name == "opportunities":
            if "default" not in pipeline:
                pipeline["default"] = opportunity_services.pipeline_default()
            opportunity = opportunity_services.opportunity_create(actor=owner, data={
                "name": f"{label}商机", "customer": customer(owner, label), "amount": Decimal("120000.50")})
            return str(opportunity.pk)
        if name == "quotes":
            quote = quote_services.quote_create(actor=owner, data={"title": f"{label}报价",
                                                                   "customer": customer(owner, label)}, lines=[{
                "description": "实施服务", "quantity": Decimal("2"), "unit_price": Decimal("5000.00"),
                "discount_percent": Decimal("0"), "tax_rate": Decimal("6")}])
            return str(quote.pk)
        if name == "contracts":
            return str(contract_services.contract_create(actor=owner, data={
                "title": f"{label}合同", "customer": customer(owner, label), "amount": Decimal("100000.00")}).pk)
        if name == "receivables":
            contract = active_contract(owner, label)
            contract_services.instalment_create(actor=owner, contract=contract, data={
                "due_on": timezone.localdate() - dt.timedelta(days=10), "amount": Decimal("30000.00")})
            return contract.number
        if name == "payments":
            contract = active_contract(owner, label)
            payment = contract_services.payment_record(actor=SYSTEM, contract=contract, data={
                "amount": Decimal("5000.00"), "received_on": timezone.localdate()})
            return str(payment.pk)
        if name == "products":
            return str(Product.objects.create(code=f"P-{label}-{Product.objects.count()}", name=f"{label}产品",
                                              list_price=Decimal("1999.90"), unit="套").pk)
        raise AssertionError(f"no maker for {name}")

    return create
