"""Fixtures for quote tests (`company`, `login` and `make_customer` come from the root conftest)."""

from decimal import Decimal

import pytest
from django.utils import translation

from guanxi.automation.selectors import approval_pending_for
from guanxi.automation.services import approval_flow_create
from guanxi.sales.products.models import Product
from guanxi.sales.quotes import services


@pytest.fixture(autouse=True)
def _english():
    """Assertions read English messages; the Chinese catalogue is checked by its own tests."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_product(db):
    """`make_product(code, name, list_price, currency="CNY", tax_rate="13.00")`: a catalogue product."""

    def create(code="CRM-STD", name="关系CRM 标准版", list_price="1000.00", *, currency="CNY", tax_rate="13.00",
               unit="套", is_active=True):
        return Product.objects.create(code=code, name=name, list_price=Decimal(list_price), currency=currency,
                                      tax_rate=Decimal(tax_rate), unit=unit, is_active=is_active)

    return create


def line(description="实施服务", quantity="2", unit_price="5000.00", discount="0", tax="6", product=None) -> dict:
    """A line as the services take it."""
    row = {"description": description, "quantity": Decimal(quantity), "unit_price": Decimal(unit_price),
           "discount_percent": Decimal(discount), "tax_rate": Decimal(tax)}
    if product is not None:
        row["product"] = product
    return row


@pytest.fixture
def make_quote(db, make_customer):
    """`make_quote(owner, customer=None, lines=None, **data)` creates a draft as `owner`."""

    def create(owner, customer=None, lines=None, **data):
        customer = customer or make_customer(owner, "杭州云栖科技有限公司")
        data = {"title": "CRM 项目报价", "customer": customer, **data}
        rows = [line()] if lines is None else lines
        return services.quote_create(actor=owner, data=data, lines=rows)

    return create


@pytest.fixture
def discount_flow(company):
    """The discount threshold as an admin configures it: a flow for quotes with a line discount over 15 %,
    approved by the submitter's manager."""
    return approval_flow_create(
        actor=company.root, data={"entity": "quotes.quote", "name": "大额折扣审批"},
        conditions=[{"fact": "max_discount_percent", "operator": "gt", "value": "15"}],
        steps=[{"kind": "manager", "name": "销售经理"}],
    )


def pending_request(quote):
    """The quote's approval request under way; failing the test when there is none."""
    request = approval_pending_for(quote)
    assert request is not None, "the quote has no approval request under way"
    return request
