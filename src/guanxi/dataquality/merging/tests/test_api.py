"""The merging API: merge, list, get, undo, and the comparison, with clear errors for bad input."""

from __future__ import annotations

import pytest

from guanxi.core.system import SYSTEM
from guanxi.customers import services as customers
from guanxi.customers.models import Customer
from guanxi.dataquality.merging import services
from guanxi.dataquality.merging.models import MergeRecord

from .conftest import send, state

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(company, make_customer, merge_right):
    merge_right(company.alice, company.bob)
    a = make_customer(company.alice, "杭州云栖科技有限公司", region="浙江 杭州")
    b = make_customer(company.alice, "杭州云栖科技", phone="13812345678")
    customers.contact_create(actor=SYSTEM, customer=b, data={"name": "张伟"})
    return a, b


def test_merge_then_list_get_and_undo(company, api, twins):
    a, b = twins
    before = state()
    client = api(company.alice)

    response = send(client, "post", "/merges", {"entity": "customer", "survivor_id": a.pk, "other_ids": [b.pk],
                                                "fields": {"name": b.pk}})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["survivor_id"] == a.pk and body["merged"] == [{"id": b.pk, "name": "杭州云栖科技"}]
    assert body["status"] == "merged" and body["fields"]["name"] == b.pk and body["fields"]["phone"] == b.pk
    assert {"key": "customers.contact.customer", "label": "contacts", "count": 1} in body["moved"]
    assert Customer.objects.get(pk=a.pk).name == "杭州云栖科技"

    listed = client.get("/api/v1/merges").json()
    assert [m["id"] for m in listed["items"]] == [body["id"]] and listed["next_cursor"] is None
    assert client.get(f"/api/v1/merges/{body['id']}").json()["survivor_name"] == "杭州云栖科技"
    assert api(company.bob).get("/api/v1/merges").json()["items"] == []
    assert api(company.bob).get(f"/api/v1/merges/{body['id']}").status_code == 404

    undone = send(client, "post", f"/merges/{body['id']}/undo")
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    assert undone.json()["undo_report"] == {"fields": [], "rows": []}
    assert state() == before
    again = send(client, "post", f"/merges/{body['id']}/undo")
    assert again.status_code == 400 and again.json()["code"] == "already_undone"


def test_preview_shows_masked_values_defaults_and_counts(company, api, twins):
    a, b = twins
    response = api(company.alice).get(f"/api/v1/merges/preview?entity=customer&ids={a.pk},{b.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["phone"]["values"] == [{"record_id": a.pk, "value": ""}, {"record_id": b.pk, "value": "138****5678"}]
    assert fields["phone"]["default_record_id"] == b.pk and fields["phone"]["differs"]
    assert not fields["kind"]["differs"] and fields["owner"]["locked"]
    contacts = next(m for m in body["moves"] if m["key"] == "customers.contact.customer")
    assert contacts["per_record"] == [{"record_id": a.pk, "count": 0}, {"record_id": b.pk, "count": 1}]
    assert contacts["moving"] == 1
    assert api(company.dave).get(f"/api/v1/merges/preview?entity=customer&ids={a.pk},{b.pk}").status_code == 403


@pytest.mark.parametrize("body,status,code", [
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": []}, 422, "invalid"),
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": ["{b}"], "extra": 1}, 422, "invalid"),
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": ["x"]}, 422, "invalid"),
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": [0]}, 422, "invalid"),
    ({"entity": "c" * 41, "survivor_id": "{a}", "other_ids": ["{b}"]}, 422, "invalid"),
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": ["{b}"] * 10}, 422, "invalid"),
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": ["{a}"]}, 400, "merge_into_itself"),
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": ["{b}", "{b}"]}, 400, "repeated_record"),
    ({"entity": "planet", "survivor_id": "{a}", "other_ids": ["{b}"]}, 400, "unknown_entity"),
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": ["{b}"], "fields": {"name": 999999}}, 400, "invalid"),
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": ["{b}"], "fields": {"<script>": "{b}"}}, 400,
     "invalid"),
    ({"entity": "customer", "survivor_id": "{a}", "other_ids": [999999]}, 404, "not_found"),
    ({"entity": "contact", "survivor_id": "{a}", "other_ids": ["{b}"]}, 404, "not_found"),
])
def test_bad_input_is_refused_clearly_and_merges_nothing(company, api, twins, body, status, code):
    a, b = twins
    text = str(body).replace("'{a}'", str(a.pk)).replace("'{b}'", str(b.pk)).replace("'", '"')
    response = send(api(company.alice), "post", "/merges", text)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["message"]
    assert not MergeRecord.objects.exists() and Customer.objects.alive().count() == 2


def test_broken_json_and_deleted_records(company, api, twins):
    a, b = twins
    client = api(company.alice)
    assert send(client, "post", "/merges", "{not json").status_code == 400
    customers.customer_delete(actor=SYSTEM, customer=b)
    response = send(client, "post", "/merges", {"entity": "customer", "survivor_id": a.pk, "other_ids": [b.pk]})
    assert response.status_code == 400 and response.json()["code"] == "record_deleted"
    assert "recycle bin" in response.json()["message"]


def test_undo_refusals_answer_with_a_code(company, api, make_customer, merge_right):
    merge_right(company.alice)
    a, b, c = (make_customer(company.alice, "甲公司") for _ in range(3))
    first = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[c])
    response = send(api(company.alice), "post", f"/merges/{first.pk}/undo")
    assert response.status_code == 400 and response.json()["code"] == "merged_again"
    assert send(api(company.alice), "post", "/merges/999999/undo").status_code == 404
    assert send(api(company.erin), "post", f"/merges/{first.pk}/undo").status_code == 403


@pytest.mark.parametrize("rows", [2, 15])
def test_list_query_count_does_not_grow(company, api, make_customer, merge_right, django_assert_max_num_queries,
                                        rows):
    merge_right(company.alice)
    for _ in range(rows):
        a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
        services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    client = api(company.alice)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/merges?limit=10")
    assert len(response.json()["items"]) == min(rows, 10)
