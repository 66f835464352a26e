"""The opportunities and pipelines API: permissions, moves, lines, board, summary, paging, concurrency
and bad input."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.org.services import token_create
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.models import LostReason, Opportunity
from guanxi.sales.products.models import Product

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
EDITORS = {"alice": True, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client: Client, method: str, url: str, body=None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(BASE + url, payload, content_type="application/json")


def _fresh(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


@pytest.fixture
def alices(company, make_opportunity):
    return make_opportunity(company.alice, "阿里斯的商机")


# -- permission matrices --


def test_list_detail_and_board_follow_the_data_scope(company, alices):
    def listed(user):
        response = api(user).get(f"{BASE}/opportunities")
        return response.status_code == 200 and alices.pk in [i["id"] for i in response.json()["items"]]

    def on_board(user):
        response = api(user).get(f"{BASE}/opportunities/board")
        return response.status_code == 200 and any(
            card["id"] == alices.pk for column in response.json()["columns"] for card in column["cards"])

    assert_matrix(company, listed, ALICE_RECORD_VISIBLE)
    assert_matrix(company, on_board, ALICE_RECORD_VISIBLE)
    statuses = {n: api(u).get(f"{BASE}/opportunities/{alices.pk}").status_code for n, u in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}


def test_update_and_move_matrices(company, make_opportunity, stages):
    def can_update(user):
        opportunity = make_opportunity(company.alice, f"改名-{user.username}")
        return send(api(user), "patch", f"/opportunities/{opportunity.pk}", {"competitors": "友商"}).status_code == 200

    def can_move(user):
        opportunity = make_opportunity(company.alice, f"推进-{user.username}")
        response = send(api(user), "post", f"/opportunities/{opportunity.pk}/move",
                        {"stage_id": stages["open"][1].pk})
        return response.status_code == 200 and _fresh(opportunity).stage == stages["open"][1]

    assert_matrix(company, can_update, EDITORS)
    assert_matrix(company, can_move, EDITORS)


def test_summary_matrix_counts_only_visible(company, alices):
    def counted(user):
        response = api(user).get(f"{BASE}/opportunities/summary")
        return response.status_code == 200 and any(r["count"] for r in response.json()["totals"])

    assert_matrix(company, counted, ALICE_RECORD_VISIBLE)


def test_transfer_matrix(company, make_opportunity):
    def can_transfer(user):
        opportunity = make_opportunity(company.alice, f"转移-{user.username}")
        response = send(api(user), "post", "/opportunities/bulk/transfer",
                        {"ids": [opportunity.pk], "owner_id": company.bob.pk})
        return response.status_code == 200 and _fresh(opportunity).owner == company.bob

    assert_matrix(company, can_transfer, {"alice": False, "bob": False, "carol": True, "dave": False,
                                          "erin": False, "root": True})


def test_pipelines_are_read_by_viewers_and_written_by_managers(company, pipeline):
    reads = {n: api(u).get(f"{BASE}/pipelines").status_code for n, u in company.cast().items()}
    assert reads == {"alice": 200, "bob": 200, "carol": 200, "dave": 200, "erin": 403, "root": 200}
    writes = {n: send(api(u), "post", "/pipelines", {"name": f"流程-{n}"}).status_code
              for n, u in company.cast().items()}
    assert writes == {"alice": 403, "bob": 403, "carol": 403, "dave": 403, "erin": 403, "root": 201}
    body = api(company.alice).get(f"{BASE}/pipelines").json()
    default = next(p for p in body if p["is_default"])
    assert [s["name"] for s in default["stages"]][:2] == ["初步接洽", "需求确认"]
    assert api(company.alice).get(f"{BASE}/lost-reasons").json()[0]["name"] == "价格太高"


# -- create, update, move --


def test_create_with_lines_contacts_and_defaults(company, make_customer, pipeline):
    customer = make_customer(company.alice, "API 客户", grade="B")
    product = Product.objects.create(code="P-1", name="标准版", list_price=Decimal("999.00"))
    response = send(api(company.alice), "post", "/opportunities", {
        "name": "API 商机", "customer_id": customer.pk, "expected_close_date": "2026-10-01",
        "lines": [{"product_id": product.pk, "quantity": "2"}, {"description": "定制", "unit_price": "1.5"}],
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "1999.50"
    assert (body["stage"]["name"], body["probability"], body["status"]) == ("初步接洽", 10, "open")
    assert [line["description"] for line in body["lines"]] == ["标准版", "定制"]
    assert body["owner"]["username"] == "alice"


def test_create_refuses_hidden_customers_and_foreign_contacts(company, make_customer, pipeline):
    daves = make_customer(company.dave, "赵磊的客户")
    response = send(api(company.alice), "post", "/opportunities", {"name": "越权", "customer_id": daves.pk})
    assert response.status_code == 400 and "customer_id" in response.json()["errors"]
    assert not Opportunity.objects.exists()


def test_move_to_lost_needs_a_reason(company, alices, stages):
    client = api(company.alice)
    response = send(client, "post", f"/opportunities/{alices.pk}/move", {"stage_id": stages["lost"].pk})
    assert response.status_code == 400
    assert response.json()["code"] == "lost_reason_required"
    assert "lost_reason" in response.json()["errors"]
    reason = LostReason.objects.order_by("position")[0]
    response = send(client, "post", f"/opportunities/{alices.pk}/move",
                    {"stage_id": stages["lost"].pk, "lost_reason_id": reason.pk, "lost_note": "预算取消"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["lost_reason"]["id"]) == ("lost", reason.pk)


def test_stale_version_is_a_409_on_update_and_move(company, alices, stages):
    client = api(company.alice)
    assert send(client, "patch", f"/opportunities/{alices.pk}", {"name": "新名", "version": 1}).status_code == 200
    stale = send(client, "patch", f"/opportunities/{alices.pk}", {"name": "旧名", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    move = send(client, "post", f"/opportunities/{alices.pk}/move", {"stage_id": stages["won"].pk, "version": 1})
    assert move.status_code == 409
    assert (_fresh(alices).name, _fresh(alices).status) == ("新名", "open")


def test_probability_override_survives_a_move_and_null_resets_it(company, alices, stages):
    client = api(company.alice)
    send(client, "patch", f"/opportunities/{alices.pk}", {"probability": 42})
    moved = send(client, "post", f"/opportunities/{alices.pk}/move", {"stage_id": stages["open"][2].pk}).json()
    assert (moved["probability"], moved["probability_overridden"]) == (42, True)
    reset = send(client, "patch", f"/opportunities/{alices.pk}", {"probability": None}).json()
    assert (reset["probability"], reset["probability_overridden"]) == (50, False)


def test_replace_lines_and_read_the_stage_history(company, alices, stages):
    client = api(company.alice)
    response = send(client, "put", f"/opportunities/{alices.pk}/lines",
                    {"lines": [{"description": "服务", "quantity": "4", "unit_price": "250"}]})
    assert response.json()["amount"] == "1000.00"
    send(client, "post", f"/opportunities/{alices.pk}/move", {"stage_id": stages["open"][1].pk})
    history = client.get(f"{BASE}/opportunities/{alices.pk}/stage-history").json()
    assert [(h["from_stage"] and h["from_stage"]["name"], h["to_stage"]["name"]) for h in history] == [
        (None, "初步接洽"), ("初步接洽", "需求确认")]


def test_delete_and_restore(company, alices):
    client = api(company.alice)
    assert send(client, "delete", f"/opportunities/{alices.pk}").status_code == 204
    assert client.get(f"{BASE}/opportunities/{alices.pk}").status_code == 404
    assert send(client, "post", f"/opportunities/{alices.pk}/restore").status_code == 200


# -- board, summary, paging --


def test_board_columns_carry_totals_per_currency(company, make_opportunity, stages):
    customer = make_opportunity(company.alice, "人民币", amount=Decimal("10.00")).customer
    make_opportunity(company.alice, "美元", customer=customer, amount=Decimal("20.00"), currency="USD")
    body = api(company.alice).get(f"{BASE}/opportunities/board").json()
    first = body["columns"][0]
    assert first["count"] == 2
    assert first["amounts"] == [{"currency": "CNY", "amount": "10.00"}, {"currency": "USD", "amount": "20.00"}]
    assert [c["stage"]["kind"] for c in body["columns"]][-2:] == ["won", "lost"]


def test_board_column_paging(company, make_opportunity, stages):
    customer = make_opportunity(company.alice, "0").customer
    for i in range(1, 5):
        make_opportunity(company.alice, str(i), customer=customer)
    client = api(company.alice)
    first = client.get(f"{BASE}/opportunities/board", {"per_column": 3}).json()["columns"][0]
    assert [c["name"] for c in first["cards"]] == ["4", "3", "2"]
    rest = client.get(f"{BASE}/opportunities/board/columns/{stages['open'][0].pk}",
                      {"before": first["more_before"], "per_column": 3}).json()
    assert [c["name"] for c in rest["cards"]] == ["1", "0"] and rest["more_before"] is None


def test_summary_weights_each_currency_apart(company, make_opportunity):
    customer = make_opportunity(company.alice, "一", amount=Decimal("1000.00")).customer
    make_opportunity(company.alice, "二", customer=customer, amount=Decimal("500.00"), currency="EUR",
                     probability=30)
    totals = api(company.alice).get(f"{BASE}/opportunities/summary").json()["totals"]
    assert totals == [{"currency": "CNY", "count": 1, "amount": "1000.00", "weighted": "100.00"},
                      {"currency": "EUR", "count": 1, "amount": "500.00", "weighted": "150.00"}]


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow(company, make_customer, make_opportunity, rows,
                                        django_assert_max_num_queries):
    customer = make_customer(company.alice, "样本客户")
    for i in range(rows):
        make_opportunity(company.alice, f"商机{i}", customer=customer)
    client = api(company.alice)
    client.get(f"{BASE}/opportunities")
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/opportunities", {"limit": 200})
    assert len(response.json()["items"]) == rows


def test_cursor_paging_walks_every_row_once(company, make_customer, make_opportunity):
    customer = make_customer(company.alice, "翻页客户")
    for i in range(7):
        make_opportunity(company.alice, f"商机{i}", customer=customer, amount=Decimal(i))
    client = api(company.alice)
    seen, cursor = [], None
    while True:
        params: dict[str, str | int] = {"limit": 3, "sort": "-amount", **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{BASE}/opportunities", params).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"商机{i}" for i in range(6, -1, -1)]


# -- bad input --


@pytest.mark.parametrize("body", [
    {"name": "x" * 201},
    {"name": "负数", "amount": "-1"},
    {"name": "类型", "amount": "很多"},
    {"name": "概率", "probability": 101},
    {"name": "币种", "currency": "BTC"},
    {"name": "多余", "unknown": 1},
    {"name": "空字\x00符"},
])
def test_bad_bodies_are_refused_with_field_errors(company, make_customer, pipeline, body):
    customer = make_customer(company.alice)
    response = send(api(company.alice), "post", "/opportunities", {"customer_id": customer.pk, **body})
    assert response.status_code == 422
    assert response.json()["errors"]
    assert not Opportunity.objects.exists()


def test_bad_filters_are_refused(company, alices):
    response = api(company.alice).get(f"{BASE}/opportunities", {"close_month": "2026-13"})
    assert response.status_code in (400, 422)
    response = api(company.alice).get(f"{BASE}/opportunities", {"cursor": "garbage!"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


def test_html_in_text_comes_back_as_text(company, make_customer, pipeline):
    customer = make_customer(company.alice)
    response = send(api(company.alice), "post", "/opportunities",
                    {"customer_id": customer.pk, "name": "<script>alert(1)</script>"})
    assert response.status_code == 201
    assert response.json()["name"] == "<script>alert(1)</script>"


def test_stage_delete_needs_a_target_when_in_use(company, alices, stages):
    client = api(company.root)
    refused = client.delete(f"{BASE}/stages/{stages['open'][0].pk}")
    assert refused.status_code == 400 and refused.json()["code"] == "stage_in_use"
    moved = client.delete(f"{BASE}/stages/{stages['open'][0].pk}?move_to={stages['open'][1].pk}")
    assert moved.json() == {"count": 1}
    assert _fresh(alices).stage == stages["open"][1]


def test_stage_rules_via_api(company, pipeline, stages):
    client = api(company.root)
    response = send(client, "post", f"/pipelines/{pipeline.pk}/stages", {"name": "又一个赢单", "kind": "won"})
    assert response.status_code == 400 and response.json()["code"] == "pipeline_rules"
    services.stage_update(actor=company.root, stage=stages["open"][0], data={"name": "接洽"})
    order = [s.pk for s in pipeline.stages.order_by("-position")]
    response = send(client, "put", f"/pipelines/{pipeline.pk}/stages/order", {"stage_ids": order})
    assert [s["id"] for s in response.json()] == order
