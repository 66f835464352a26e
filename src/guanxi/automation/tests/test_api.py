"""The approvals API: my inbox, a request, deciding and withdrawing; flows for flow admins."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.automation.choices import RequestStatus
from guanxi.automation.models import ApprovalFlow, ApprovalRequest, ApprovalStep
from guanxi.core.testing import assert_matrix
from guanxi.org.services import token_create

from .conftest import ENTITY, submit

pytestmark = pytest.mark.django_db

BASE = "/api/v1/approvals"
NOBODY_BUT_ROOT = {"alice": False, "bob": False, "carol": False, "dave": False, "erin": False, "root": True}


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})


def send(client: Client, method: str, url: str, body=None):
    if method in ("get", "delete"):
        return getattr(client, method)(BASE + url)
    payload = body if isinstance(body, str) else json.dumps(body or {})
    return getattr(client, method)(BASE + url, payload, content_type="application/json")


@pytest.fixture
def waiting(company, big_customer, make_flow):
    make_flow([{"kind": "manager"}], name="经理审批")
    return submit(actor=company.alice, record=big_customer, comment="请尽快")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


# -- requests --


def test_inbox_boxes(company, waiting):
    carol = api(company.carol).get(f"{BASE}/inbox")
    assert carol.status_code == 200
    item = carol.json()["items"][0]
    assert item["id"] == waiting.pk and item["can_decide"] is True and item["can_withdraw"] is False
    assert item["title"] == "杭州云栖科技有限公司" and item["entity"] == ENTITY and item["entity_name"] == "客户"
    assert item["url"] == f"/customers/{waiting.object_id}/"
    assert item["facts"] == {"budget": "150000", "contacts": "0"}
    assert item["waiting_for"] == [{"id": company.carol.pk, "username": "carol", "name": "陈经理"}]
    assert item["steps"][0]["status"] == "current" and item["steps"][0]["title"] == "Submitter's manager"
    assert ids(api(company.alice).get(f"{BASE}/inbox", {"box": "submitted"})) == [waiting.pk]
    assert ids(api(company.alice).get(f"{BASE}/inbox")) == []
    assert api(company.alice).get(f"{BASE}/inbox", {"box": "everything"}).status_code == 422
    assert_matrix(company, lambda u: waiting.pk in ids(api(u).get(f"{BASE}/inbox")),
                  {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": False})


def test_get_request_matrix(company, waiting):
    statuses = {name: api(user).get(f"{BASE}/requests/{waiting.pk}").status_code
                for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 404, "root": 200}
    assert api(company.carol).get(f"{BASE}/requests/{2**63}").status_code == 422
    assert Client().get(f"{BASE}/requests/{waiting.pk}").status_code == 401


def test_decide_matrix_and_result(company, waiting, hook_calls):
    statuses = {name: send(api(user), "post", f"/requests/{waiting.pk}/decide", {"decision": "approve"}).status_code
                for name, user in company.cast().items() if name != "carol"}
    assert statuses == {"alice": 403, "bob": 404, "dave": 404, "erin": 404, "root": 403}
    response = send(api(company.carol), "post", f"/requests/{waiting.pk}/decide",
                    {"decision": "approve", "comment": "同意"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved" and body["can_decide"] is False and body["finished_at"]
    assert body["steps"][0]["tasks"][0]["comment"] == "同意"
    assert hook_calls.names() == ["approved"]
    again = send(api(company.carol), "post", f"/requests/{waiting.pk}/decide", {"decision": "approve"})
    assert again.status_code == 409 and again.json()["code"] == "already_decided"


@pytest.mark.parametrize("body, status, field", [
    ({"decision": "reject"}, 400, "comment"),
    ({"decision": "return", "comment": "   "}, 400, "comment"),
    ({"decision": "maybe"}, 422, "decision"),
    ({"decision": "approve", "comment": "x" * 2001}, 422, "comment"),
    ({"decision": "approve", "comment": 5}, 422, "comment"),
    ({"decision": "approve", "comment": "a\x00b"}, 422, "comment"),
    ({"decision": "approve", "status": "approved"}, 422, "status"),
    ({}, 422, "decision"),
])
def test_bad_decisions_change_nothing(company, waiting, body, status, field):
    response = send(api(company.carol), "post", f"/requests/{waiting.pk}/decide", body)
    assert response.status_code == status, response.json()
    assert field in response.json()["errors"]
    assert ApprovalRequest.objects.get().status == RequestStatus.PENDING


def test_broken_json_is_a_clear_error(company, waiting):
    response = send(api(company.carol), "post", f"/requests/{waiting.pk}/decide", "{not json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_body"


def test_withdraw(company, waiting, hook_calls):
    assert send(api(company.carol), "post", f"/requests/{waiting.pk}/withdraw").status_code == 403
    assert send(api(company.bob), "post", f"/requests/{waiting.pk}/withdraw").status_code == 404
    response = send(api(company.alice), "post", f"/requests/{waiting.pk}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert hook_calls.names() == ["returned"]
    assert send(api(company.alice), "post", f"/requests/{waiting.pk}/withdraw").status_code == 409


def test_browser_session_writes_need_the_csrf_token(company, waiting):
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.carol)
    response = client.post(f"{BASE}/requests/{waiting.pk}/decide", json.dumps({"decision": "approve"}),
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert ApprovalRequest.objects.get().status == RequestStatus.PENDING


def test_inbox_query_count_does_not_grow_with_rows(company, make_customer, make_flow):
    make_flow([{"kind": "manager"}])
    client = api(company.carol)
    client.get(f"{BASE}/inbox")
    counts = []
    for n in (2, 8):
        for i in range(n):
            submit(actor=company.alice,
                                     record=make_customer(company.alice, f"客户{n}-{i}", custom={"budget": "1"}))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}/inbox?limit=100").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts


def test_walking_pages_returns_each_once(company, make_customer, make_flow):
    make_flow([{"kind": "manager"}])
    made = [submit(actor=company.alice, record=make_customer(company.alice, f"客户{i}")).pk
            for i in range(7)]
    client, seen, cursor = api(company.carol), [], None
    while True:
        response = client.get(f"{BASE}/inbox", {"limit": 3, **({"cursor": cursor} if cursor else {})})
        seen += ids(response)
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(made, reverse=True)
    assert client.get(f"{BASE}/inbox", {"cursor": "garbage"}).status_code == 400


# -- flows --


FLOW = {"entity": ENTITY, "name": "大额审批", "position": 1,
        "conditions": [{"fact": "budget", "operator": "gte", "value": 100000}],
        "steps": [{"kind": "manager"}, {"kind": "manager_chain", "levels": 2, "name": "总监"}]}


def test_flow_crud_only_for_flow_admins(company, approvable):
    def can_create(user):
        return send(api(user), "post", "/flows", {**FLOW, "name": user.username}).status_code == 201

    assert_matrix(company, can_create, NOBODY_BUT_ROOT)
    flow = ApprovalFlow.objects.get()
    for method, url, body in [("get", "/flows", None), ("get", f"/flows/{flow.pk}", None),
                              ("patch", f"/flows/{flow.pk}", {"name": "x"}), ("get", "/entities", None),
                              ("delete", f"/flows/{flow.pk}", None)]:
        assert send(api(company.carol), method, url, body).status_code == 403, url
    assert ApprovalFlow.objects.get().name == "root"


def test_create_read_update_delete_a_flow(company, approvable, finance):
    root = api(company.root)
    entities = root.get(f"{BASE}/entities").json()
    customer_type = next(e for e in entities if e["entity"] == ENTITY)
    assert {"name": "budget", "label": "预算"} in customer_type["facts"]
    created = send(root, "post", "/flows", FLOW)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["conditions"] == [{"fact": "budget", "fact_label": "预算", "operator": "gte", "value": "100000"}]
    assert [(s["number"], s["kind"], s["title"]) for s in body["steps"]] == [
        (1, "manager", "Submitter's manager"), (2, "manager_chain", "总监")]
    flow_id = body["id"]
    assert [f["id"] for f in root.get(f"{BASE}/flows", {"entity": ENTITY}).json()] == [flow_id]
    patched = send(root, "patch", f"/flows/{flow_id}", {"is_active": False, "version": 1,
                                                         "steps": [{"kind": "role", "role_id": finance.pk}]})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["is_active"] is False and patched.json()["version"] == 2
    assert patched.json()["steps"][0]["role"] == {"id": finance.pk, "name": "财务"}
    assert patched.json()["conditions"] == body["conditions"]
    stale = send(root, "patch", f"/flows/{flow_id}", {"name": "旧", "version": 1})
    assert stale.status_code == 409
    assert send(root, "delete", f"/flows/{flow_id}").status_code == 204
    assert root.get(f"{BASE}/flows/{flow_id}").status_code == 404
    assert send(root, "patch", f"/flows/{flow_id}", {"name": "x"}).status_code == 404


@pytest.mark.parametrize("change, status, field", [
    ({"steps": []}, 400, "steps"),
    ({"steps": [{"kind": "user"}]}, 400, "steps.0.user_id"),
    ({"steps": [{"kind": "user", "user_id": 999999}]}, 400, "steps.0.user_id"),
    ({"steps": [{"kind": "role"}]}, 400, "steps.0.role_id"),
    ({"steps": [{"kind": "manager_chain", "levels": 0}]}, 422, "steps.0.levels"),
    ({"steps": [{"kind": "boss"}]}, 422, "steps.0.kind"),
    ({"conditions": [{"fact": "profit", "operator": "gt", "value": 1}]}, 400, "conditions.0.fact"),
    ({"conditions": [{"fact": "budget", "operator": "gt", "value": "lots"}]}, 400, "conditions.0.value"),
    ({"conditions": [{"fact": "budget", "operator": "~", "value": 1}]}, 422, "conditions.0.operator"),
    ({"entity": "customers.contact"}, 400, "entity"),
    ({"name": ""}, 422, "name"),
    ({"name": "x" * 81}, 422, "name"),
    ({"name": "<script>alert(1)</script>" * 4}, 422, "name"),
    ({"position": -1}, 422, "position"),
    ({"owner": 1}, 422, "owner"),
])
def test_bad_flows_are_refused_and_nothing_is_saved(company, approvable, change, status, field):
    response = send(api(company.root), "post", "/flows", {**FLOW, **change})
    assert response.status_code == status, response.json()
    assert field in response.json()["errors"], response.json()
    assert not ApprovalFlow.objects.exists() and not ApprovalStep.objects.exists()


def test_html_in_a_flow_name_comes_back_verbatim(company, approvable):
    name = "<b>大额</b>' OR 1=1"
    created = send(api(company.root), "post", "/flows", {**FLOW, "name": name})
    assert created.status_code == 201
    assert api(company.root).get(f"{BASE}/flows/{created.json()['id']}").json()["name"] == name


def test_flow_list_query_count_does_not_grow(company, make_flow, finance):
    client = api(company.root)
    client.get(f"{BASE}/flows")
    counts = []
    for n in (2, 8):
        for i in range(n):
            make_flow([{"kind": "user", "user": company.bob}, {"kind": "role", "role": finance}],
                      name=f"流程{n}-{i}", position=i)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}/flows").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
