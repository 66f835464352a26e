"""The customer pool API: pools and their customers by membership, claim (409 when someone was first),
return, assign, the ownership history, pool configuration, bad input and query counts."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.core.testing import assert_matrix
from guanxi.customers.models import Customer, CustomerPool, OwnershipEvent
from guanxi.org.services import token_create

from .pool_support import reload

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
TEAM_POOL_MEMBERS = {"alice": True, "bob": True, "carol": True, "dave": False, "erin": False, "root": True}


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})


def send(client: Client, method: str, url: str, body=None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(BASE + url, payload, content_type="application/json")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


# -- reading --


def test_pools_and_their_customers_follow_membership(company, pools, pooled):
    customer = pooled(pools.team, "一部公海客户")
    lists = {u: api(u).get(f"{BASE}/customer-pools/{pools.team.pk}/customers") for u in company.cast().values()}
    assert_matrix(company, lambda u: lists[u].status_code == 200 and customer.pk in ids(lists[u]), TEAM_POOL_MEMBERS)
    assert [r.status_code for r in lists.values()] == [200, 200, 200, 404, 403, 200]  # alice … root
    names = {n: [p["name"] for p in api(u).get(f"{BASE}/customer-pools").json()] for n, u in company.cast().items()
             if n != "erin"}
    assert names["dave"] == ["公海"] and sorted(names["alice"]) == ["公海", "销售一部公海"]


def test_pool_customer_reads_like_a_customer_with_its_pool(company, pools, pooled):
    customer = pooled(pools.team, "池客户", phone="13812345678")
    body = api(company.alice).get(f"{BASE}/customers/{customer.pk}").json()
    assert body["owner"] is None and body["pool_id"] == pools.team.pk and body["phone"] != "13812345678"
    assert body["pool_return_due_at"] is None


def test_pool_detail_shows_the_rules_to_members_and_admins(company, pools, set_rules):
    set_rules(pools.team, {"grade": "", "no_follow_up_days": 30, "warn_days": 3}, {"grade": "A", "max_owned": 5})
    statuses = {n: api(u).get(f"{BASE}/customer-pools/{pools.team.pk}").status_code for n, u in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 200, "carol": 200, "dave": 404, "erin": 403, "root": 200}
    rules = api(company.alice).get(f"{BASE}/customer-pools/{pools.team.pk}").json()["rules"]
    assert rules == [
        {"grade": "", "no_follow_up_days": 30, "no_deal_days": None, "warn_days": 3, "max_owned": None,
         "reclaim_wait_days": None},
        {"grade": "A", "no_follow_up_days": None, "no_deal_days": None, "warn_days": None, "max_owned": 5,
         "reclaim_wait_days": None}]


def test_pool_filters_and_paging(company, pools, pooled):
    for i in range(5):
        pooled(pools.team, f"客户{i}", grade="A" if i % 2 else "B")
    client = api(company.alice)
    grade_a = client.get(f"{BASE}/customer-pools/{pools.team.pk}/customers?grade=A").json()["items"]
    assert {c["name"] for c in grade_a} == {"客户1", "客户3"}
    seen, cursor = [], ""
    while True:
        page = client.get(f"{BASE}/customer-pools/{pools.team.pk}/customers?limit=2&cursor={cursor}").json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(("query", "status"), [
    ("grade=Z", 422), ("industry=nope", 422), ("q=" + "x" * 101, 422), ("limit=0", 422), ("cursor=!!", 400),
    ("region=" + "广" * 61, 422), ("q=%00", 422),
])
def test_bad_pool_list_parameters(company, pools, query, status):
    response = api(company.alice).get(f"{BASE}/customer-pools/{pools.team.pk}/customers?{query}")
    assert response.status_code == status, response.json()


@pytest.mark.parametrize("who", ["alice", "root"])
def test_pool_customer_list_query_count_does_not_grow(company, pools, pooled, who, django_assert_max_num_queries):
    client = api(getattr(company, who))
    client.get(f"{BASE}/me")
    counts = []
    for n in (3, 25):
        for i in range(n):
            pooled(pools.team, f"客户{n}-{i}")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/customer-pools/{pools.team.pk}/customers?limit=100")
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(8):
        client.get(f"{BASE}/customer-pools/{pools.team.pk}/customers?limit=100")


# -- claim, return, assign, history --


def test_claim_matrix_and_conflict(company, pools, pooled):
    def claim(user):
        customer = pooled(pools.team, f"给{user.username}")
        return send(api(user), "post", f"/customers/{customer.pk}/claim").status_code

    assert {n: claim(u) for n, u in company.cast().items()} == {
        "alice": 200, "bob": 200, "carol": 200, "dave": 404, "erin": 403, "root": 200}
    customer = pooled(pools.company)
    first = send(api(company.alice), "post", f"/customers/{customer.pk}/claim")
    assert first.json()["owner"]["username"] == "alice"
    again = send(api(company.bob), "post", f"/customers/{customer.pk}/claim")
    assert again.status_code == 404  # no longer visible to bob: taken


def test_claim_over_the_limit_is_400_with_the_reason(company, pools, pooled, make_customer, set_rules):
    set_rules(pools.team, {"grade": "", "max_owned": 1})
    make_customer(company.alice, "已有")
    customer = pooled(pools.team)
    response = send(api(company.alice), "post", f"/customers/{customer.pk}/claim")
    assert response.status_code == 400
    assert response.json()["code"] == "pool_limit_reached"
    assert "at most 1 customers" in response.json()["message"]


def test_claiming_ones_own_customer_is_a_conflict(company, pools, make_customer):
    customer = make_customer(company.alice)
    response = send(api(company.alice), "post", f"/customers/{customer.pk}/claim")
    assert response.status_code == 409 and response.json()["code"] == "not_in_pool"


def test_return_and_history(company, pools, owned):
    customer = owned(company.alice)
    client = api(company.alice)
    response = send(client, "post", f"/customers/{customer.pk}/return", {"reason": "客户没有预算"})
    assert response.status_code == 200
    assert response.json()["kind"] == "returned" and response.json()["previous_owner"]["username"] == "alice"
    send(api(company.bob), "post", f"/customers/{customer.pk}/claim")
    history = api(company.bob).get(f"{BASE}/customers/{customer.pk}/ownership-history").json()["items"]
    assert [h["kind"] for h in history] == ["claimed", "returned"]
    assert history[1]["reason"] == "客户没有预算" and history[1]["actor"]["username"] == "alice"
    assert api(company.alice).get(f"{BASE}/customers/{customer.pk}/ownership-history").status_code == 404
    assert api(company.dave).get(f"{BASE}/customers/{customer.pk}/ownership-history").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "x" * 501}, "reason"), ({"reason": 5}, "reason"),
    ({"reason": "ok", "pool_id": 1}, "pool_id"),
])
def test_return_with_bad_input_is_422(company, pools, owned, body, field):
    customer = owned(company.alice)
    response = send(api(company.alice), "post", f"/customers/{customer.pk}/return", body)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert reload(customer).owner_id == company.alice.pk


def test_return_needs_edit_access(company, pools, owned):
    customer = owned(company.alice)
    statuses = {n: send(api(u), "post", f"/customers/{customer.pk}/return", {"reason": "x"}).status_code
                for n, u in company.cast().items() if n in ("bob", "dave", "erin")}
    assert statuses == {"bob": 404, "dave": 404, "erin": 403}
    assert reload(customer).owner_id == company.alice.pk


def test_assign_matrix(company, pools, pooled):
    def assign(user):
        customer = pooled(pools.team, f"由{user.username}")
        return send(api(user), "post", f"/customer-pools/{pools.team.pk}/assign",
                    {"ids": [customer.pk], "owner_id": company.bob.pk}).status_code

    assert {n: assign(u) for n, u in company.cast().items()} == {
        "alice": 403, "bob": 403, "carol": 200, "dave": 403, "erin": 403, "root": 200}


def test_assign_checks_the_customers_are_in_that_pool(company, pools, pooled):
    customer = pooled(pools.team)
    response = send(api(company.root), "post", f"/customer-pools/{pools.company.pk}/assign",
                    {"ids": [customer.pk], "owner_id": company.bob.pk})
    assert response.status_code == 404 and reload(customer).in_pool


@pytest.mark.parametrize(("body", "status"), [
    ({"ids": [], "owner_id": 1}, 422), ({"ids": [0], "owner_id": 1}, 422), ({"ids": list(range(1, 202)),
                                                                              "owner_id": 1}, 422),
    ({"ids": [2**63], "owner_id": 1}, 422), ({"ids": ["a"], "owner_id": 1}, 422), ({"ids": [1]}, 422),
])
def test_assign_with_bad_input(company, pools, body, status):
    response = send(api(company.carol), "post", f"/customer-pools/{pools.team.pk}/assign", body)
    assert response.status_code == status


def test_assign_to_someone_outside_the_pool_is_refused(company, pools, pooled):
    customer = pooled(pools.team)
    response = send(api(company.root), "post", f"/customer-pools/{pools.team.pk}/assign",
                    {"ids": [customer.pk], "owner_id": company.dave.pk})
    assert response.status_code == 400 and "owner" in response.json()["errors"]
    assert reload(customer).in_pool


# -- configuring pools --


def test_pool_configuration_matrix(company):
    statuses = {n: send(api(u), "post", "/customer-pools", {"name": f"池{n}"}).status_code
                for n, u in company.cast().items()}
    assert statuses == {"alice": 403, "bob": 403, "carol": 403, "dave": 403, "erin": 403, "root": 201}


def test_create_update_and_delete_a_pool(company):
    client = api(company.root)
    created = send(client, "post", "/customer-pools", {
        "name": "华东公海", "department_id": company.sales2.pk, "description": "华东",
        "rules": [{"grade": "", "no_follow_up_days": 30, "warn_days": 5}, {"grade": "A", "max_owned": 3}]})
    assert created.status_code == 201
    pool = created.json()
    assert pool["department"]["id"] == company.sales2.pk and len(pool["rules"]) == 2
    patched = send(client, "patch", f"/customer-pools/{pool['id']}",
                   {"department_id": None, "rules": [], "version": pool["version"]})
    assert patched.status_code == 200 and patched.json()["department"] is None and patched.json()["rules"] == []
    stale = send(client, "patch", f"/customer-pools/{pool['id']}", {"name": "旧版本", "version": pool["version"]})
    assert stale.status_code == 409
    assert send(client, "delete", f"/customer-pools/{pool['id']}").status_code == 204
    assert not CustomerPool.objects.exists()


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"name": ""}, 422, "name"),
    ({"name": "x" * 81}, 422, "name"),
    ({"name": "池", "rules": [{"grade": "", "warn_days": 0}]}, 422, "rules.0.warn_days"),
    ({"name": "池", "rules": [{"grade": "", "max_owned": -3}]}, 422, "rules.0.max_owned"),
    ({"name": "池", "rules": [{"grade": "", "no_follow_up_days": "many"}]}, 422, "rules.0.no_follow_up_days"),
    ({"name": "池", "rules": [{"grade": "", "colour": "red"}]}, 422, "rules.0.colour"),
    ({"name": "池", "rules": [{"grade": "", "warn_days": 5}]}, 400, "rules.0.warn_days"),
    ({"name": "池", "rules": [{"grade": "A"}, {"grade": "A"}]}, 400, "rules.1.grade"),
    ({"name": "池", "department_id": 999999}, 400, "department_id"),
    ({"name": "<script>alert(1)</script>", "department_id": "x"}, 422, "department_id"),
])
def test_bad_pool_bodies_are_refused_and_nothing_is_saved(company, body, status, field):
    response = send(api(company.root), "post", "/customer-pools", body)
    assert response.status_code == status, response.json()
    assert field in response.json()["errors"], response.json()
    assert not CustomerPool.objects.exists()


def test_deleting_a_pool_with_waiting_customers_is_400(company, pools, pooled):
    pooled(pools.team)
    response = send(api(company.root), "delete", f"/customer-pools/{pools.team.pk}")
    assert response.status_code == 400 and response.json()["code"] == "pool_not_empty"


def test_history_of_an_automatic_return_has_no_actor(company, pools, owned, set_rules):
    from guanxi.customers.pool.sweep import pool_sweep

    from .pool_support import NOW

    set_rules(pools.team, {"grade": "", "no_follow_up_days": 30})
    customer = owned(company.alice, contacted=40)
    pool_sweep(now=NOW)
    history = api(company.carol).get(f"{BASE}/customers/{customer.pk}/ownership-history").json()["items"]
    assert history == [{"id": OwnershipEvent.objects.get().pk, "kind": "auto_returned", "pool_id": pools.team.pk,
                        "pool_name": "销售一部公海", "previous_owner": {"id": company.alice.pk, "username": "alice",
                                                                    "name": "王芳"},
                        "new_owner": None, "actor": None, "reason": "", "rule": "no_follow_up", "rule_days": 30,
                        "at": history[0]["at"]}]
    assert Customer.objects.get(pk=customer.pk).in_pool
