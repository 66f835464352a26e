"""The catalogue pages and API: who reads and who manages, search and filters, price lists,
bad input and concurrent edits."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.models import AuditEvent
from guanxi.core.testing import assert_matrix
from guanxi.org.services import token_create
from guanxi.sales.products import services
from guanxi.sales.products.models import PriceList, Product, ProductCategory

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
READERS = {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True}
MANAGERS = {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client, method, url, body=None):
    return getattr(client, method)(BASE + url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def catalogue(db):
    software = ProductCategory.objects.create(name="软件")
    return {
        "crm": Product.objects.create(code="CRM-STD", name="CRM 标准版", category=software,
                                      list_price=Decimal("9800.00"), unit="套"),
        "old": Product.objects.create(code="CRM-OLD", name="CRM 旧版", category=software, is_active=False),
        "training": Product.objects.create(code="TRN", name="现场培训", list_price=Decimal("3000.00"), unit="人天"),
        "software": software,
    }


def test_list_matrix(company, manager, login, catalogue):
    assert_matrix(company, lambda u: "CRM 标准版" in login(u).get(reverse("products:list")).content.decode(),
                  READERS)
    assert_matrix(company, lambda u: api(u).get(f"{BASE}/products").status_code == 200, READERS)


def test_write_matrix_pages_and_api(company, manager, login, catalogue):
    def can_create_page(user):
        response = login(user).post(reverse("products:create"), {
            "code": f"P-{user.username}", "name": "新品", "list_price": "10", "currency": "CNY", "tax_rate": "13",
            "is_active": "on", "unit": "", "description": ""})
        return response.status_code == 302

    def can_create_api(user):
        response = send(api(user), "post", "/products", {"code": f"A-{user.username}", "name": "接口新品"})
        return response.status_code == 201

    assert_matrix(company, can_create_page, MANAGERS)
    assert_matrix(company, can_create_api, MANAGERS)
    assert_matrix(company, lambda u: login(u).get(reverse("products:edit", args=[catalogue["crm"].pk])
                                                  ).status_code == 200, MANAGERS)


def test_search_category_and_active_filters(company, login, catalogue):
    client = login(company.alice)
    body = client.get(reverse("products:list"), {"q": "crm"}).content.decode()
    assert "CRM 标准版" in body and "CRM 旧版" not in body and "现场培训" not in body
    body = client.get(reverse("products:list"), {"status": "inactive"}).content.decode()
    assert "CRM 旧版" in body and "CRM 标准版" not in body
    params = {"category": catalogue["software"].pk, "status": "all"}
    body = client.get(reverse("products:list"), params).content.decode()
    assert "CRM 旧版" in body and "现场培训" not in body
    assert "Some filters are not valid." in client.get(reverse("products:list"), {"status": "x"}).content.decode()
    picker = api(company.alice).get(f"{BASE}/products", {"q": "TRN"}).json()["items"]
    assert [p["name"] for p in picker] == ["现场培训"]


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_is_flat(company, login, rows, django_assert_max_num_queries):
    category = ProductCategory.objects.create(name="硬件")
    for i in range(rows):
        Product.objects.create(code=f"H-{i}", name=f"硬件{i}", category=category)
    client = login(company.alice)
    client.get(reverse("products:list"))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("products:list"))
    assert len(response.context["page"].items) == rows
    reader = api(company.alice)
    reader.get(f"{BASE}/products")
    with django_assert_max_num_queries(8):
        assert len(reader.get(f"{BASE}/products", {"limit": 100}).json()["items"]) == rows


def test_deactivate_keeps_the_product_but_hides_it_from_pickers(company, manager, login, catalogue):
    login(manager).post(reverse("products:set_active", args=[catalogue["crm"].pk]), {"active": "0"})
    catalogue["crm"].refresh_from_db()
    assert catalogue["crm"].is_active is False
    assert api(company.alice).get(f"{BASE}/products").json()["items"][0]["name"] == "现场培训"
    assert AuditEvent.objects.filter(action="product.updated").exists()


@pytest.mark.parametrize("body", [{"code": "X", "name": "负价", "list_price": "-1"},
                                  {"code": "X", "name": "税率", "tax_rate": "130"},
                                  {"code": "X" * 41, "name": "长编码"},
                                  {"code": "X", "name": "币种", "currency": "XXX"},
                                  {"code": "X", "name": "多余", "colour": "red"}])
def test_bad_product_bodies_are_refused(company, catalogue, body):
    response = send(api(company.root), "post", "/products", body)
    assert response.status_code == 422
    assert response.json()["errors"]
    assert not Product.objects.filter(code__startswith="X").exists()


def test_duplicate_code_is_a_field_error(company, manager, login, catalogue):
    response = login(manager).post(reverse("products:create"), {
        "code": "CRM-STD", "name": "重复", "list_price": "1", "currency": "CNY", "tax_rate": "13"})
    assert response.status_code == 400
    assert "Another product already has this code." in response.content.decode()
    assert send(api(manager), "post", "/products", {"code": "CRM-STD", "name": "重复"}).status_code == 400


def test_stale_version_is_a_conflict(company, catalogue):
    client = api(company.root)
    url = f"/products/{catalogue['crm'].pk}"
    assert send(client, "patch", url, {"name": "新名", "version": 1}).status_code == 200
    stale = send(client, "patch", url, {"name": "旧名", "version": 1})
    assert stale.status_code == 409
    catalogue["crm"].refresh_from_db()
    assert catalogue["crm"].name == "新名"


def test_price_lists_crud_and_the_customer_price(company, manager, make_customer, catalogue):
    client = api(manager)
    created = send(client, "post", "/price-lists", {"name": "A 级客户价", "grade": "A"})
    assert created.status_code == 201
    price_list_id = created.json()["id"]
    item = client.put(f"{BASE}/price-lists/{price_list_id}/items/{catalogue['crm'].pk}",
                      json.dumps({"price": "8800.00"}), content_type="application/json")
    assert item.status_code == 200
    customer = make_customer(company.alice, "A 级客户", grade="A")
    price = api(company.alice).get(f"{BASE}/products/{catalogue['crm'].pk}/price", {"customer_id": customer.pk})
    assert price.json() == {"product_id": catalogue["crm"].pk, "customer_id": customer.pk, "price": "8800.00",
                            "currency": "CNY"}
    daves = make_customer(company.dave, "别人的客户", grade="A")
    hidden = api(company.alice).get(f"{BASE}/products/{catalogue['crm'].pk}/price", {"customer_id": daves.pk})
    assert hidden.status_code == 404
    assert send(api(company.alice), "post", "/price-lists", {"name": "越权", "grade": "B"}).status_code == 403
    assert client.delete(f"{BASE}/price-lists/{price_list_id}").status_code == 204
    assert not PriceList.objects.exists()


def test_a_price_list_must_name_its_customers(company, manager, login):
    response = login(manager).post(reverse("products:price_list_create"), {"name": "无条件", "grade": "",
                                                                            "region": "", "currency": "CNY",
                                                                            "is_active": "on"})
    assert response.status_code == 400
    assert "Name a customer grade, a region, or both" in response.content.decode()
    assert send(api(manager), "post", "/price-lists", {"name": "坏等级", "grade": "Z"}).status_code == 422


def test_price_list_page_sets_and_removes_prices(company, manager, login, catalogue):
    price_list = services.price_list_create(actor=manager, data={"name": "华南", "region": "广东"})
    client = login(manager)
    client.post(reverse("products:price_list_detail", args=[price_list.pk]),
                {"product": catalogue["crm"].pk, "price": "9000"})
    body = login(company.alice).get(reverse("products:price_list_detail", args=[price_list.pk])).content.decode()
    assert "9,000.00 CNY" in body and "Save price" not in body
    login(manager).post(reverse("products:price_list_remove_item", args=[price_list.pk, catalogue["crm"].pk]))
    assert not price_list.items.exists()
    refused = login(company.alice).post(reverse("products:price_list_detail", args=[price_list.pk]),
                                        {"product": catalogue["crm"].pk, "price": "1"})
    assert refused.status_code == 404


def test_html_in_names_is_escaped(company, manager, login):
    services.product_create(actor=manager, data={"code": "XSS", "name": "<img src=x onerror=alert(1)>"})
    body = login(company.alice).get(reverse("products:list")).content.decode()
    assert "<img src=x" not in body and "&lt;img src=x" in body
