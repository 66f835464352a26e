"""API: GET /duplicate-groups, GET /duplicate-groups/{id}, POST …/dismiss, POST /duplicate-scans."""

import pytest

from guanxi.dataquality.duplicates.choices import GroupStatus
from guanxi.dataquality.duplicates.models import DuplicateGroup, DuplicateScan

from .conftest import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(reviewers, make_customer, run_scan):
    c = reviewers
    mine = [make_customer(c.alice, "深圳市腾远电子科技有限公司", phone="0755-86123456"),
            make_customer(c.bob, "腾远电子科技（深圳）有限公司", phone="+86 755 8612 3456")]
    across = [make_customer(c.alice, "华信精密机械有限公司", email="info@huaxin.cn"),
              make_customer(c.dave, "华信精密机械股份有限公司", email="info@huaxin.cn")]
    run_scan()
    group_of = {pk: g for g in DuplicateGroup.objects.all() for pk in g.member_ids}
    return group_of[mine[0].pk], group_of[across[0].pk]


def test_a_seller_without_the_right_gets_403(reviewers, found, api):
    client = api(reviewers.alice)
    assert send(client, "get", "/duplicate-groups").status_code == 403
    assert send(client, "get", f"/duplicate-groups/{found[0].pk}").status_code == 403
    assert send(client, "post", f"/duplicate-groups/{found[0].pk}/dismiss").status_code == 403
    refused = send(client, "post", "/duplicate-scans")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_a_manager_lists_only_groups_in_her_scope(reviewers, found, api, django_assert_max_num_queries):
    client = api(reviewers.carol)
    with django_assert_max_num_queries(10):
        response = send(client, "get", "/duplicate-groups?entity=customer&limit=10")
    assert response.status_code == 200
    body = response.json()
    assert [g["id"] for g in body["items"]] == [found[0].pk] and body["next_cursor"] is None
    item = body["items"][0]
    assert item["size"] == 2 and item["resolved"] is False and item["status"] == "open"
    assert {"code": "same_company_name", "positive": True, "value": None, "text": "same company name"} in item[
        "reasons"]
    assert "same phone" in item["reason_text"]
    assert send(client, "get", f"/duplicate-groups/{found[1].pk}").status_code == 404
    root = send(api(reviewers.root), "get", "/duplicate-groups").json()
    assert {g["id"] for g in root["items"]} == {found[0].pk, found[1].pk}


def test_a_group_shows_its_members_fields(reviewers, found, api):
    body = send(api(reviewers.carol), "get", f"/duplicate-groups/{found[0].pk}").json()
    names = [m["name"] for m in body["members"]]
    assert set(names) == {"深圳市腾远电子科技有限公司", "腾远电子科技（深圳）有限公司"}
    fields = {f["label"]: f["value"] for f in body["members"][0]["fields"]}
    assert fields["Owner"] in {"王芳", "李强"} and "Phone" in fields


def test_dismissing_through_the_api(reviewers, found, api):
    client = api(reviewers.carol)
    response = send(client, "post", f"/duplicate-groups/{found[0].pk}/dismiss")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    again = send(client, "post", f"/duplicate-groups/{found[0].pk}/dismiss")
    assert again.status_code == 409 and again.json()["code"] == "already_dismissed"
    assert send(client, "get", "/duplicate-groups").json()["items"] == []
    dismissed = send(client, "get", "/duplicate-groups?status=dismissed").json()["items"]
    assert [g["id"] for g in dismissed] == [found[0].pk]
    # out of scope answers 404 and changes nothing
    assert send(client, "post", f"/duplicate-groups/{found[1].pk}/dismiss").status_code == 404
    assert DuplicateGroup.objects.get(pk=found[1].pk).status == GroupStatus.OPEN


def test_starting_a_scan_and_following_it(reviewers, api, make_customer, django_capture_on_commit_callbacks):
    client = api(reviewers.carol)
    make_customer(reviewers.alice, "深圳市腾远电子科技有限公司")
    make_customer(reviewers.alice, "腾远电子科技有限公司")
    with django_capture_on_commit_callbacks(execute=True):
        started = send(client, "post", "/duplicate-scans")
    assert started.status_code == 202
    body = started.json()
    assert body["job_id"] and body["job_url"] == f"/jobs/{body['job_id']}/"
    status = send(client, "get", f"/duplicate-scans/{body['id']}").json()
    assert status["status"] == "done" and status["job_status"] == "done" and status["customer_groups"] == 1
    assert send(client, "get", "/duplicate-scans/999999").status_code == 404


def test_a_second_scan_while_one_runs_answers_409(reviewers, api):
    client = api(reviewers.carol)
    assert send(client, "post", "/duplicate-scans").status_code == 202  # queued; never committed in this test
    refused = send(client, "post", "/duplicate-scans")
    assert refused.status_code == 409 and refused.json()["code"] == "scan_running"
    assert DuplicateScan.objects.count() == 1


@pytest.mark.parametrize("query", ["?entity=lead", "?status=merged", "?limit=0", "?limit=100000", "?entity=%00"])
def test_bad_query_parameters_answer_422(reviewers, found, api, query):
    response = send(api(reviewers.root), "get", f"/duplicate-groups{query}")
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_bad_ids_and_cursors(reviewers, found, api):
    client = api(reviewers.root)
    assert send(client, "get", "/duplicate-groups/0").status_code == 422
    assert send(client, "get", f"/duplicate-groups/{2**70}").status_code == 422
    assert send(client, "get", "/duplicate-groups/abc").status_code == 422
    assert send(client, "get", "/duplicate-groups?cursor=%27%3B+DROP+TABLE").status_code == 400
    assert send(client, "post", f"/duplicate-groups/{found[0].pk}/dismiss", "{not json").status_code in (400, 200)


def test_paging_with_the_cursor(reviewers, api, make_customer, run_scan):
    for brand in ["腾远", "华信", "鼎盛"]:
        make_customer(reviewers.alice, f"深圳市{brand}电子科技有限公司")
        make_customer(reviewers.alice, f"{brand}电子科技有限公司")
    run_scan()
    client = api(reviewers.root)
    first = send(client, "get", "/duplicate-groups?limit=2").json()
    second = send(client, "get", f"/duplicate-groups?limit=2&cursor={first['next_cursor']}").json()
    ids = [g["id"] for g in first["items"] + second["items"]]
    assert len(ids) == 3 == len(set(ids)) and second["next_cursor"] is None


def test_unauthenticated_is_401(client):
    assert client.get("/api/v1/duplicate-groups").status_code == 401
