"""The organisation API: /me, users, departments, roles, permissions and custom field definitions."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.core.models import CustomFieldDefinition
from guanxi.core.testing import PASSWORD, assert_matrix
from guanxi.org.models import ApiToken, Department, Role, User
from guanxi.org.services import token_create

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
ONLY_ROOT = {"alice": False, "bob": False, "carol": False, "dave": False, "erin": False, "root": True}


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client: Client, method: str, url: str, body):
    return getattr(client, method)(BASE + url, json.dumps(body), content_type="application/json")


# -- /me --


def test_me_tells_who_and_what_they_may_do(company):
    body = api(company.alice).get(f"{BASE}/me").json()
    assert (body["username"], body["display_name"]) == ("alice", "王芳")
    assert body["department"]["name"] == "销售一部"
    assert body["manager"]["username"] == "carol"
    assert "customers.edit" in body["actions"] and "customers.transfer" not in body["actions"]
    assert body["scopes"]["customers"] == "self" and body["scopes"]["activities"] == "self"
    assert api(company.erin).get(f"{BASE}/me").json()["actions"] == []
    assert "password" not in body


# -- users --


def test_user_admin_endpoints_are_for_user_managers_only(company):
    def allowed(user):
        client = api(user)
        statuses = {client.get(f"{BASE}/users").status_code,
                    client.get(f"{BASE}/users/{company.bob.pk}").status_code,
                    send(client, "patch", f"/users/{company.bob.pk}", {"phone": "13700000000"}).status_code}
        assert statuses in ({200}, {403}), statuses
        return statuses == {200}

    assert_matrix(company, allowed, ONLY_ROOT)


def test_user_list_filters_and_pages(company):
    client = api(company.root)
    walked, cursor = [], None
    while True:
        page = client.get(f"{BASE}/users", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        walked += [u["username"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert walked == sorted(User.objects.values_list("username", flat=True))
    in_sales1 = client.get(f"{BASE}/users", {"department": company.sales1.pk}).json()["items"]
    assert {u["username"] for u in in_sales1} == {"alice", "bob", "carol", "erin"}
    assert [u["username"] for u in client.get(f"{BASE}/users", {"q": "赵"}).json()["items"]] == ["dave"]


def test_user_list_query_count_does_not_grow(company, django_assert_max_num_queries):
    client = api(company.root)
    client.get(f"{BASE}/me")
    counts = []
    for n in (5, 30):
        for i in range(n):
            u = User.objects.create_user(username=f"u{n}-{i}", password=PASSWORD, department=company.sales2,
                                         manager=company.dave)
            u.roles.add(company.seller_role)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}/users?limit=200").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(8):
        client.get(f"{BASE}/users?limit=200")


def test_create_update_deactivate_reactivate_a_user(company):
    client = api(company.root)
    created = send(client, "post", "/users", {
        "username": "frank", "password": "Another-good-pass-42", "display_name": "周峰",
        "email": "frank@example.cn", "department_id": company.sales2.pk, "manager_id": company.dave.pk,
        "role_ids": [company.seller_role.pk],
    })
    assert created.status_code == 201, created.json()
    frank = User.objects.get(username="frank")
    assert frank.check_password("Another-good-pass-42")
    assert created.json()["roles"] == [{"id": company.seller_role.pk, "name": "销售"}]

    updated = send(client, "patch", f"/users/{frank.pk}", {"display_name": "周峰（二部）", "manager_id": None,
                                                           "role_ids": [company.manager_role.pk]})
    assert updated.status_code == 200
    assert updated.json()["manager"] is None
    assert [r["name"] for r in updated.json()["roles"]] == ["销售经理"]

    frank_client = api(frank)
    assert frank_client.get(f"{BASE}/me").status_code == 200
    assert client.post(f"{BASE}/users/{frank.pk}/deactivate").json()["is_active"] is False
    assert frank_client.get(f"{BASE}/me").status_code == 401
    assert client.post(f"{BASE}/users/{frank.pk}/reactivate").json()["is_active"] is True
    # tokens revoked at deactivation stay revoked
    assert frank_client.get(f"{BASE}/me").status_code == 401


@pytest.mark.parametrize("body, status, field", [
    ({"username": "bad name!", "password": "Another-good-pass-42"}, 422, "username"),
    ({"username": "frank", "password": "x" * 3_000_000}, 422, "password"),
    ({"username": "frank", "password": "123"}, 400, "password"),
    ({"username": "alice", "password": "Another-good-pass-42"}, 400, "username"),
    ({"username": "frank", "password": "Another-good-pass-42", "department_id": 999999}, 400, "department_id"),
    ({"username": "frank", "password": "Another-good-pass-42", "role_ids": [999999]}, 400, "role_ids"),
    ({"username": "frank", "password": "Another-good-pass-42", "phone": "12"}, 400, "phone"),
    ({"username": "frank", "password": "Another-good-pass-42", "email": "frank@"}, 400, "email"),
    ({"username": "frank", "password": "Another-good-pass-42", "is_staff": True}, 422, "is_staff"),
])
def test_bad_user_input(company, body, status, field):
    count = User.objects.count()
    response = send(api(company.root), "post", "/users", body)
    assert response.status_code == status, response.json()
    assert field in response.json()["errors"]
    assert User.objects.count() == count


def test_user_cannot_be_their_own_manager(company):
    response = send(api(company.root), "patch", f"/users/{company.bob.pk}", {"manager_id": company.bob.pk})
    assert response.status_code == 400
    company.bob.refresh_from_db()
    assert company.bob.manager == company.carol


def test_missing_user_is_404(company):
    assert api(company.root).get(f"{BASE}/users/999999").status_code == 404


# -- departments --


def test_departments_crud(company):
    client = api(company.root)
    tree = client.get(f"{BASE}/departments").json()
    assert [d["name"] for d in tree] == ["总部", "销售部", "销售一部", "销售二部"]
    created = send(client, "post", "/departments", {"name": "华南大区", "parent_id": company.sales.pk})
    assert created.status_code == 201
    new_id = created.json()["id"]
    assert created.json()["depth"] == 2
    moved = send(client, "patch", f"/departments/{new_id}", {"parent_id": company.hq.pk})
    assert (moved.json()["parent_id"], moved.json()["depth"], moved.json()["name"]) == (company.hq.pk, 1, "华南大区")
    cycle = send(client, "patch", f"/departments/{company.sales.pk}", {"parent_id": company.sales1.pk})
    assert cycle.status_code == 400
    assert client.delete(f"{BASE}/departments/{company.sales1.pk}").status_code == 400  # has members
    assert client.delete(f"{BASE}/departments/{new_id}").status_code == 204
    assert not Department.objects.filter(pk=new_id).exists()


def test_department_endpoints_matrix(company):
    assert_matrix(company, lambda u: api(u).get(f"{BASE}/departments").status_code == 200, ONLY_ROOT)
    response = send(api(company.carol), "post", "/departments", {"name": "偷偷建的"})
    assert response.status_code == 403
    assert not Department.objects.filter(name="偷偷建的").exists()


# -- roles and permissions --


def test_roles_crud_and_permissions_catalogue(company):
    client = api(company.root)
    catalogue = client.get(f"{BASE}/permissions").json()
    codes = {a["code"] for m in catalogue["modules"] for a in m["actions"]}
    assert {"customers.view", "org.manage_users", "activities.edit"} <= codes
    assert {s["value"] for s in catalogue["scopes"]} == {"self", "self_and_subordinates", "department",
                                                         "department_tree", "all"}
    created = send(client, "post", "/roles", {"name": "客服", "actions": ["customers.view"],
                                              "scopes": {"customers": "department_tree"}})
    assert created.status_code == 201
    role_id = created.json()["id"]
    updated = send(client, "patch", f"/roles/{role_id}", {"actions": ["customers.view", "customers.edit"]})
    assert updated.json()["actions"] == ["customers.edit", "customers.view"]
    assert updated.json()["scopes"] == {"customers": "department_tree"}
    listed = client.get(f"{BASE}/roles").json()
    assert "客服" in [r["name"] for r in listed["items"]]


@pytest.mark.parametrize("body, status, field", [
    ({"name": "坏角色", "actions": ["customers.fly"]}, 400, "actions"),
    ({"name": "坏角色", "scopes": {"customers": "galaxy"}}, 422, "scopes.customers"),
    ({"name": "坏角色", "actions": "customers.view"}, 422, "actions"),
    ({"name": ""}, 422, "name"),
])
def test_bad_role_input(company, body, status, field):
    response = send(api(company.root), "post", "/roles", body)
    assert response.status_code == status
    assert field in response.json()["errors"]
    assert not Role.objects.filter(name="坏角色").exists()


def test_role_endpoints_matrix(company):
    assert_matrix(company, lambda u: api(u).get(f"{BASE}/roles").status_code == 200, ONLY_ROOT)
    assert api(company.alice).get(f"{BASE}/permissions").status_code == 403


# -- custom field definitions --


def test_everyone_reads_active_custom_fields_only_managers_change_them(company):
    CustomFieldDefinition.objects.create(entity="customers.customer", key="employees", label="员工数",
                                         kind="number")
    CustomFieldDefinition.objects.create(entity="customers.customer", key="old", label="旧字段", kind="text",
                                         is_active=False)
    listed = api(company.erin).get(f"{BASE}/custom-fields", {"entity": "customers.customer"})
    assert [d["key"] for d in listed.json()] == ["employees"]
    assert api(company.alice).get(f"{BASE}/custom-fields", {"include_inactive": "true"}).status_code == 403
    refused = send(api(company.alice), "post", "/custom-fields", {"entity": "customers.customer", "key": "x",
                                                                  "label": "X", "kind": "text"})
    assert refused.status_code == 403
    assert api(company.alice).get(f"{BASE}/custom-fields", {"entity": "nothing.here"}).status_code == 400


def test_custom_field_lifecycle_and_use_on_a_customer(company):
    client = api(company.root)
    created = send(client, "post", "/custom-fields", {"entity": "customers.customer", "key": "level",
                                                      "label": "客户等级", "kind": "choice",
                                                      "choices": ["金", "银"], "required": False})
    assert created.status_code == 201, created.json()
    field_id = created.json()["id"]
    seller = api(company.alice)
    bad = send(seller, "post", "/customers", {"name": "某公司", "custom": {"level": "铜"}})
    assert bad.status_code == 400
    assert "custom.level" in bad.json()["errors"]
    good = send(seller, "post", "/customers", {"name": "某公司", "custom": {"level": "金"}})
    assert good.json()["custom"] == {"level": "金"}

    renamed = send(client, "patch", f"/custom-fields/{field_id}", {"label": "等级", "choices": ["金", "银", "铜"]})
    assert (renamed.json()["label"], renamed.json()["kind"]) == ("等级", "choice")
    assert client.post(f"{BASE}/custom-fields/{field_id}/deactivate").json()["is_active"] is False
    assert seller.get(f"{BASE}/custom-fields").json() == []
    # values already stored are kept
    assert seller.get(f"{BASE}/customers/{good.json()['id']}").json()["custom"] == {"level": "金"}


@pytest.mark.parametrize("body, status, field", [
    ({"entity": "customers.customer", "key": "Bad Key", "label": "x", "kind": "text"}, 422, "key"),
    ({"entity": "customers.customer", "key": "k", "label": "x", "kind": "colour"}, 422, "kind"),
    ({"entity": "customers.customer", "key": "k", "label": "x", "kind": "choice"}, 400, "choices"),
    ({"entity": "sales.rocket", "key": "k", "label": "x", "kind": "text"}, 400, "entity"),
    ({"entity": "customers.customer", "key": "k", "label": "x" * 81, "kind": "text"}, 422, "label"),
    ({"entity": "customers.customer", "key": "k", "label": "x", "kind": "text", "position": -1}, 422, "position"),
])
def test_bad_custom_field_input(company, body, status, field):
    response = send(api(company.root), "post", "/custom-fields", body)
    assert response.status_code == status
    assert field in response.json()["errors"]
    assert not CustomFieldDefinition.objects.exists()


def test_revoked_token_no_longer_works(company):
    token, secret = token_create(actor=company.alice, user=company.alice, name="laptop")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get(f"{BASE}/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2020-01-01T00:00:00Z")
    assert client.get(f"{BASE}/me").status_code == 401
