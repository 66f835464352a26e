"""What a customer pays: the most specific matching active price list, else the list price."""

from decimal import Decimal

import pytest

from guanxi.sales.products.models import PriceList, PriceListItem, Product
from guanxi.sales.products.pricing import product_price_for, product_prices_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(db):
    return Product.objects.create(code="LIC-1", name="软件许可", list_price=Decimal("1000.00"))


def _list(name, product, price, *, grade="", region="", currency="CNY", active=True):
    price_list = PriceList.objects.create(name=name, grade=grade, region=region, currency=currency, is_active=active)
    PriceListItem.objects.create(price_list=price_list, product=product, price=Decimal(price))
    return price_list


def test_without_a_matching_list_the_list_price_applies(company, make_customer, licence):
    _list("B 级", licence, "800", grade="B")
    customer = make_customer(company.alice, grade="A", region="北京")
    assert product_price_for(product=licence, customer=customer) == (Decimal("1000.00"), "CNY")


@pytest.mark.parametrize("grade,region,expected", [
    ("A", "广东 深圳", "700.00"),   # grade and region beat either alone
    ("A", "北京", "850.00"),        # grade only
    ("C", "广东 深圳", "880.00"),   # the longer region prefix wins
    ("C", "广东 广州", "900.00"),   # region prefix 广东 only
    ("", "", "1000.00"),
])
def test_the_most_specific_list_wins(company, make_customer, licence, grade, region, expected):
    _list("A 级", licence, "850", grade="A")
    _list("广东", licence, "900", region="广东")
    _list("深圳", licence, "880", region="广东 深圳")
    _list("A 级广东", licence, "700", grade="A", region="广东")
    customer = make_customer(company.alice, grade=grade, region=region)
    assert product_price_for(product=licence, customer=customer) == (Decimal(expected), "CNY")


def test_inactive_lists_are_ignored_and_the_list_currency_is_quoted(company, make_customer, licence):
    _list("停用的 A 级", licence, "1", grade="A", active=False)
    _list("A 级美元", licence, "150", grade="A", currency="USD")
    customer = make_customer(company.alice, grade="A")
    assert product_price_for(product=licence, customer=customer) == (Decimal("150.00"), "USD")


def test_many_products_at_once_match_one_by_one(company, make_customer, licence, django_assert_num_queries):
    service = Product.objects.create(code="SVC", name="实施", list_price=Decimal("500.00"))
    _list("A 级", licence, "850", grade="A")
    customer = make_customer(company.alice, grade="A")
    with django_assert_num_queries(1):
        prices = product_prices_for(products=[licence, service], customer=customer)
    assert prices == {licence.pk: (Decimal("850.00"), "CNY"), service.pk: (Decimal("500.00"), "CNY")}
