"""The quotes API: permission matrix, lines and totals, the status path, versions, paging, bad input."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.automation.services import approval_decide
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.org.services import token_create
from guanxi.sales.quotes import services
from guanxi.sales.quotes.models import Quote, QuoteLine

from .conftest import line, pending_request

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
YEAR = timezone.localdate().year


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})


def send(client: Client, method: str, url: str, body=None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(BASE + url, payload, content_type="application/json")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def body(customer, **overrides) -> dict:
    data = {"title": "API 报价", "customer_id": customer.pk,
            "lines": [{"description": "实施服务", "quantity": "2", "unit_price": "5000", "tax_rate": "6"}]}
    data.update(overrides)
    return data


# -- permission matrix --


def test_list_matrix(company, make_quote):
    quote = make_quote(company.alice)
    responses = {user: api(user).get(f"{BASE}/quotes") for user in company.cast().values()}
    assert_matrix(company, lambda u: responses[u].status_code == 200 and quote.pk in ids(responses[u]),
                  ALICE_RECORD_VISIBLE)
    assert responses[company.erin].status_code == 403


def test_detail_matrix(company, make_quote):
    quote = make_quote(company.alice)
    statuses = {name: api(user).get(f"{BASE}/quotes/{quote.pk}").status_code for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}


def test_update_matrix(company, make_quote):
    def can_update(user):
        quote = make_quote(company.alice)
        response = send(api(user), "patch", f"/quotes/{quote.pk}", {"title": f"{user.username} 改"})
        return response.status_code == 200 and Quote.objects.get(pk=quote.pk).title == f"{user.username} 改"

    assert_matrix(company, can_update, ALICE_RECORD_VISIBLE)


def test_create_matrix(company, make_customer):
    def can_create(user):
        customer = make_customer(user if user.has_action("customers.create") else company.root,
                                 f"{user.username} 的客户")
        return send(api(user), "post", "/quotes", body(customer)).status_code == 201

    assert_matrix(company, can_create, {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False,
                                        "root": True})


def test_status_step_and_revise_matrix(company, make_quote):
    def can_send(user):
        quote = make_quote(company.alice)
        services.quote_submit(actor=company.alice, quote=quote)
        return send(api(user), "post", f"/quotes/{quote.pk}/send").status_code == 200

    def can_revise(user):
        quote = make_quote(company.alice)
        services.quote_submit(actor=company.alice, quote=quote)
        return send(api(user), "post", f"/quotes/{quote.pk}/revise").status_code == 201

    assert_matrix(company, can_send, ALICE_RECORD_VISIBLE)
    assert_matrix(company, can_revise, ALICE_RECORD_VISIBLE)


def test_delete_matrix(company, make_quote):
    def can_delete(user):
        quote = make_quote(company.alice)
        response = send(api(user), "delete", f"/quotes/{quote.pk}")
        return response.status_code == 204 and not Quote.objects.filter(pk=quote.pk).exists()

    assert_matrix(company, can_delete, ALICE_RECORD_VISIBLE)


# -- creating and reading --


def test_create_computes_totals_and_returns_the_quote(company, make_customer, make_product):
    customer = make_customer(company.alice)
    product = make_product(list_price="1000.00", tax_rate="13.00")
    response = send(api(company.alice), "post", "/quotes", body(customer, lines=[
        {"product_id": product.pk, "quantity": 3, "discount_percent": "10"},
        {"description": "培训", "quantity": "1.5", "unit_price": "33.33", "discount_percent": 12.5, "tax_rate": 13},
    ]))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["number"] == f"QT-{YEAR}-000001" and data["revision"] == 1 and data["status"] == "draft"
    assert [(x["description"], x["unit_price"], x["total"]) for x in data["lines"]] == [
        ("关系CRM 标准版", "1000.00", "3051.00"), ("培训", "33.33", "49.44")]
    assert (data["subtotal"], data["discount_total"], data["tax_total"], data["total"]) == (
        "3050.00", "306.25", "356.69", "3100.44")
    assert data["max_discount_percent"] == "12.50"


def test_get_returns_lines_in_order(company, make_quote):
    quote = make_quote(company.alice, lines=[line(description="甲"), line(description="乙")])
    data = api(company.alice).get(f"{BASE}/quotes/{quote.pk}").json()
    assert [x["description"] for x in data["lines"]] == ["甲", "乙"]
    assert data["customer"]["name"] == "杭州云栖科技有限公司"


@pytest.mark.parametrize("overrides,field", [
    ({"lines": [{"description": "负数", "quantity": "-1", "unit_price": "10"}]}, "lines.0.quantity"),
    ({"lines": [{"description": "折扣", "quantity": "1", "unit_price": "10", "discount_percent": "101"}]},
     "lines.0.discount_percent"),
    ({"lines": [{"description": "负价", "quantity": "1", "unit_price": "-10"}]}, "lines.0.unit_price"),
    ({"lines": [{"description": "x" * 201, "quantity": "1", "unit_price": "10"}]}, "lines.0.description"),
    ({"lines": [{"description": "精度", "quantity": "1.001", "unit_price": "10"}]}, "lines.0.quantity"),
    ({"lines": [{"description": "NaN", "quantity": "NaN", "unit_price": "10"}]}, "lines.0.quantity"),
    ({"lines": [{"description": "类型", "quantity": [1], "unit_price": "10"}]}, "lines.0.quantity"),
    ({"title": "x" * 201}, "title"),
    ({"title": ""}, "title"),
    ({"terms": "y" * 10_001}, "terms"),
    ({"currency": "XYZ"}, "currency"),
    ({"unknown": 1}, "unknown"),
    ({"lines": [{"description": "行", "quantity": "1", "unit_price": "1"}] * 201}, "lines"),
])
def test_bad_input_is_refused_with_the_field_named(company, make_customer, overrides, field):
    customer = make_customer(company.alice)
    response = send(api(company.alice), "post", "/quotes", body(customer, **overrides))
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert not Quote.objects.exists() and not QuoteLine.objects.exists()


def test_business_refusals_are_400_with_the_field(company, make_customer, make_product):
    customer = make_customer(company.alice)
    daves = make_customer(company.dave, "赵磊的客户")
    dollars = make_product(code="CRM-US", list_price="150.00", currency="USD")
    client = api(company.alice)
    hidden = send(client, "post", "/quotes", body(daves))
    assert hidden.status_code == 400 and "customer_id" in hidden.json()["errors"]
    mixed = send(client, "post", "/quotes", body(customer, lines=[{"product_id": dollars.pk, "quantity": 1}]))
    assert mixed.status_code == 400
    assert mixed.json()["errors"] == {"lines.0.product": ["This product is priced in USD; the quote is in CNY."]}
    unknown = send(client, "post", "/quotes", body(customer, lines=[{"product_id": 999999, "quantity": 1}]))
    assert unknown.status_code == 400 and "lines.0.product_id" in unknown.json()["errors"]
    other_owner = send(client, "post", "/quotes", body(customer, owner_id=company.bob.pk))
    assert other_owner.status_code == 400 and "owner_id" in other_owner.json()["errors"]
    assert not Quote.objects.exists()


def test_malformed_json_is_a_clear_error(company):
    response = send(api(company.alice), "post", "/quotes", "{not json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_body"


# -- updating --


def test_patch_replaces_lines_only_when_sent(company, make_quote):
    quote = make_quote(company.alice, lines=[line(description="原有")])
    client = api(company.alice)
    data = send(client, "patch", f"/quotes/{quote.pk}", {"title": "只改标题"}).json()
    assert [x["description"] for x in data["lines"]] == ["原有"]
    data = send(client, "patch", f"/quotes/{quote.pk}", {"lines": [
        {"description": "替换", "quantity": 1, "unit_price": "100", "discount_percent": "20", "tax_rate": "13"}],
        "version": data["version"]}).json()
    assert [x["description"] for x in data["lines"]] == ["替换"]
    assert (data["total"], data["max_discount_percent"]) == ("90.40", "20.00")


def test_patch_with_a_stale_version_is_409(company, make_quote):
    quote = make_quote(company.alice)
    client = api(company.alice)
    assert send(client, "patch", f"/quotes/{quote.pk}", {"title": "一", "version": 1}).status_code == 200
    response = send(client, "patch", f"/quotes/{quote.pk}", {"title": "二", "version": 1})
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert Quote.objects.get(pk=quote.pk).title == "一"


def test_patch_refused_while_pending_and_after_sent(company, make_quote, discount_flow):
    pending = make_quote(company.alice, lines=[line(discount="30")])
    client = api(company.alice)
    assert send(client, "post", f"/quotes/{pending.pk}/submit", {"comment": "请批"}).json()["status"] == (
        "pending_approval")
    response = send(client, "patch", f"/quotes/{pending.pk}", {"title": "审批中改"})
    assert response.status_code == 400 and response.json()["code"] == "not_editable"
    other = make_quote(company.alice)
    send(client, "post", f"/quotes/{other.pk}/submit")
    send(client, "post", f"/quotes/{other.pk}/send")
    response = send(client, "patch", f"/quotes/{other.pk}", {"title": "发出后改"})
    assert response.status_code == 400 and response.json()["code"] == "not_editable"
    assert set(Quote.objects.values_list("title", flat=True)) == {"CRM 项目报价"}


def test_patch_of_a_quote_deleted_meanwhile_is_404(company, make_quote):
    quote = make_quote(company.alice)
    quote_id = quote.pk
    services.quote_delete(actor=company.alice, quote=quote)
    assert send(api(company.alice), "patch", f"/quotes/{quote_id}", {"title": "已删"}).status_code == 404


# -- the status path and versions --


def test_full_path_through_approval(company, make_quote, discount_flow):
    quote = make_quote(company.alice, lines=[line(discount="20")])
    client = api(company.alice)
    assert send(client, "post", f"/quotes/{quote.pk}/submit").json()["status"] == "pending_approval"
    approval_decide(actor=company.carol, request=pending_request(quote), decision="return",
                    comment="折扣太大")
    data = client.get(f"{BASE}/quotes/{quote.pk}").json()
    assert (data["status"], data["approval_note"]) == ("draft", "折扣太大")
    send(client, "patch", f"/quotes/{quote.pk}", {"lines": [line_json(discount="10")]})
    assert send(client, "post", f"/quotes/{quote.pk}/submit").json()["status"] == "approved"
    assert send(client, "post", f"/quotes/{quote.pk}/send").json()["status"] == "sent"
    rejected = send(client, "post", f"/quotes/{quote.pk}/reject", {"reason": "价格高"}).json()
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "价格高")
    revised = send(client, "post", f"/quotes/{quote.pk}/revise")
    assert revised.status_code == 201
    second = revised.json()
    assert (second["number"], second["revision"], second["first_version_id"], second["status"]) == (
        quote.number, 2, quote.pk, "draft")
    versions = client.get(f"{BASE}/quotes/{second['id']}/versions").json()
    assert [(v["revision"], v["is_latest"]) for v in versions] == [(2, True), (1, False)]
    listed = client.get(f"{BASE}/quotes").json()["items"]
    assert [q["id"] for q in listed] == [second["id"]]
    everything = client.get(f"{BASE}/quotes", {"all_versions": "true"}).json()["items"]
    assert {q["id"] for q in everything} == {quote.pk, second["id"]}


def line_json(discount="0") -> dict:
    return {"description": "实施服务", "quantity": "2", "unit_price": "5000", "discount_percent": discount,
            "tax_rate": "6"}


def test_withdraw_returns_a_pending_quote_to_draft(company, make_quote, discount_flow):
    quote = make_quote(company.alice, lines=[line(discount="30")])
    services.quote_submit(actor=company.alice, quote=quote)
    assert send(api(company.carol), "post", f"/quotes/{quote.pk}/withdraw").status_code == 403
    response = send(api(company.alice), "post", f"/quotes/{quote.pk}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "draft"


def test_steps_out_of_order_are_400(company, make_quote):
    quote = make_quote(company.alice)
    response = send(api(company.alice), "post", f"/quotes/{quote.pk}/accept")
    assert response.status_code == 400 and response.json()["code"] == "wrong_status"
    too_long = send(api(company.alice), "post", f"/quotes/{quote.pk}/submit", {"comment": "x" * 1001})
    assert too_long.status_code == 422


# -- listing --


def test_list_filters_and_cursor_paging(company, make_customer):
    customer = make_customer(company.alice)
    made = [services.quote_create(actor=company.alice, data={"title": f"报价{i}", "customer": customer}, lines=[])
            for i in range(7)]
    services.quote_create(actor=company.carol, data={"title": "经理的", "customer": customer}, lines=[])
    client = api(company.carol)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, "owner": company.alice.pk, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{BASE}/quotes", params).json()
        seen += [q["id"] for q in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [q.pk for q in reversed(made)]
    assert [q["title"] for q in client.get(f"{BASE}/quotes", {"mine": "true"}).json()["items"]] == ["经理的"]
    assert client.get(f"{BASE}/quotes", {"status": "bogus"}).status_code == 422
    assert client.get(f"{BASE}/quotes", {"cursor": "garbage"}).status_code == 400


@pytest.mark.parametrize("rows", [3, 25])
def test_list_query_count_does_not_grow(company, make_customer, django_assert_max_num_queries, rows):
    customers = [make_customer(company.alice, f"客户{i}") for i in range(3)]
    for i in range(rows):
        services.quote_create(actor=company.alice, data={"title": f"报价{i}", "customer": customers[i % 3]},
                              lines=[line()])
    client = api(company.alice)
    client.get(f"{BASE}/quotes")
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/quotes")
    assert len(response.json()["items"]) == rows


def test_detail_query_count_does_not_grow_with_lines(company, make_quote, make_product,
                                                     django_assert_max_num_queries):
    product = make_product()
    quote = make_quote(company.alice, lines=[line(product=product) for _ in range(30)])
    client = api(company.alice)
    client.get(f"{BASE}/quotes/{quote.pk}")
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/quotes/{quote.pk}")
    assert len(response.json()["lines"]) == 30
    assert response.json()["lines"][0]["product"]["code"] == "CRM-STD"
    assert Decimal(response.json()["total"]) == quote.total
