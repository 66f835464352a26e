"""The leads API: permissions, the pool and claiming, assignment, conversion, follow-ups, rules,
masking, paging and bad input."""

import json
from typing import get_args

import pytest
from django.test import Client

from guanxi.activities.models import FollowUp
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers.models import Customer
from guanxi.org.services import token_create
from guanxi.sales.leads import services
from guanxi.sales.leads.filters import ORDERINGS, SCOPES
from guanxi.sales.leads.models import AssignmentRule, Lead, LeadFollowUp
from guanxi.sales.leads.schemas import ScopeKey, SortKey

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
EVERYONE_WITH_LEADS = {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True}


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})


def send(client: Client, method: str, url: str, body=None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(BASE + url, payload, content_type="application/json")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def alices(company, make_lead):
    return make_lead(company.alice, "张伟", phone="13812345678", email="zhang@yunqi.cn")


# -- reading --


def test_list_matrix_and_the_pool_for_everyone_with_the_right(company, alices, make_lead):
    pooled = make_lead(None, "池中", company="")
    responses = {user: api(user).get(f"{BASE}/leads") for user in company.cast().values()}
    assert_matrix(company, lambda u: responses[u].status_code == 200 and alices.pk in ids(responses[u]),
                  ALICE_RECORD_VISIBLE)
    assert_matrix(company, lambda u: responses[u].status_code == 200 and pooled.pk in ids(responses[u]),
                  EVERYONE_WITH_LEADS)
    assert responses[company.erin].status_code == 403


def test_detail_is_404_out_of_scope_and_403_without_any_right(company, alices):
    statuses = {name: api(u).get(f"{BASE}/leads/{alices.pk}").status_code for name, u in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}
    assert api(company.alice).get(f"{BASE}/leads/987654").status_code == 404


def test_phone_and_email_are_masked_without_view_sensitive(company, alices):
    assert api(company.alice).get(f"{BASE}/leads/{alices.pk}").json()["phone"] == "138****5678"
    body = api(company.carol).get(f"{BASE}/leads/{alices.pk}").json()
    assert (body["phone"], body["email"]) == ("13812345678", "zhang@yunqi.cn")


def test_list_filters_scope_and_search(company, make_lead):
    mine = make_lead(company.alice, "网站来的", company="", source="website")
    pooled = make_lead(None, "池中", company="", source="referral")
    client = api(company.alice)
    assert ids(client.get(f"{BASE}/leads", {"scope": "pool"})) == [pooled.pk]
    assert ids(client.get(f"{BASE}/leads", {"scope": "mine"})) == [mine.pk]
    assert ids(client.get(f"{BASE}/leads", {"source": "website"})) == [mine.pk]
    assert ids(client.get(f"{BASE}/leads", {"q": "池"})) == [pooled.pk]
    assert ids(client.get(f"{BASE}/leads", {"sort": "created"})) == [mine.pk, pooled.pk]


def test_sort_keys_and_scopes_are_those_of_the_filters():
    assert set(get_args(SortKey)) == set(ORDERINGS)
    assert set(get_args(ScopeKey)) == set(SCOPES)


@pytest.mark.parametrize("query,field", [({"status": "bogus"}, "status"), ({"limit": "0"}, "limit"),
                                         ({"owner": "abc"}, "owner"), ({"q": "x" * 101}, "q"),
                                         ({"scope": "all"}, "scope")])
def test_bad_list_parameters_are_422(company, query, field):
    response = api(company.alice).get(f"{BASE}/leads", query)
    assert response.status_code == 422 and field in response.json()["errors"]


def test_paging_walks_every_lead_once(company, make_lead):
    for i in range(7):
        make_lead(company.alice, f"线索{i}", company="")
    client, seen, cursor = api(company.alice), [], None
    while True:
        body = client.get(f"{BASE}/leads", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    assert client.get(f"{BASE}/leads", {"cursor": "garbage!"}).status_code == 400


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_list_query_count_does_not_grow_with_rows(company, make_lead, who, django_assert_max_num_queries):
    client = api(getattr(company, who))
    counts = []
    for rows in (3, 25):
        for i in range(rows):
            make_lead(company.alice if i % 2 else None, f"线索{rows}-{i}", company="", phone="13812345678")
        client.get(f"{BASE}/leads")
        with django_assert_max_num_queries(8):
            response = client.get(f"{BASE}/leads", {"limit": 200})
        counts.append(len(response.json()["items"]))
    assert counts[1] > counts[0]


# -- writing --


def test_create_with_owner_custom_fields_and_defaults(company):
    from guanxi.core.services import custom_field_create
    from guanxi.core.system import SYSTEM

    custom_field_create(actor=SYSTEM, entity="leads.lead", key="budget", label="预算", kind="number")
    response = send(api(company.carol), "post", "/leads", {
        "name": "李娜", "company": "宁波港务", "phone": "13900001111", "source": "exhibition",
        "owner_id": company.bob.pk, "custom": {"budget": "50000"}})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["owner"]["username"], body["status"], body["custom"], body["phone"]) == (
        "bob", "new", {"budget": "50000"}, "13900001111")


def test_create_without_owner_goes_to_the_rules_or_the_pool(company, make_rule):
    response = send(api(company.alice), "post", "/leads", {"name": "访客", "source": "website"})
    assert response.status_code == 201 and response.json()["owner"] is None
    make_rule([company.dave], sources=["website"])
    response = send(api(company.alice), "post", "/leads", {"name": "访客二", "source": "website"})
    assert response.status_code == 201 and response.json()["owner"]["username"] == "dave"
    assert api(company.alice).get(f"{BASE}/leads/{response.json()['id']}").status_code == 404


def test_create_for_someone_else_needs_the_assign_right(company):
    response = send(api(company.alice), "post", "/leads", {"name": "访客", "owner_id": company.bob.pk})
    assert response.status_code == 403
    response = send(api(company.carol), "post", "/leads", {"name": "访客", "owner_id": company.dave.pk})
    assert response.status_code == 400 and "owner_id" in response.json()["errors"]
    assert not Lead.objects.exists()


def test_possible_duplicate_is_409_until_confirmed(company, make_lead):
    make_lead(company.dave, "赵六", company="", email="same@example.com")
    body = {"name": "张伟", "email": "SAME@example.com", "owner_id": company.alice.pk}
    response = send(api(company.alice), "post", "/leads", body)
    assert response.status_code == 409 and response.json()["code"] == "possible_duplicate"
    assert "赵磊" in response.json()["errors"]["__all__"][0]
    assert send(api(company.alice), "post", "/leads", {**body, "confirmed": True}).status_code == 201


@pytest.mark.parametrize("body,field", [
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "张伟", "status": "converted"}, "status"),
    ({"name": "张伟", "source": "pigeon"}, "source"),
    ({"name": "张伟", "owner_id": 0}, "owner_id"),
    ({"name": "张伟", "owner_id": 2**64}, "owner_id"),
    ({"name": "张伟", "notes": "x" * 10_001}, "notes"),
    ({"name": "张伟", "nickname": "伟哥"}, "nickname"),
    ({"name": 123}, "name"),
    ({"name": "张\x00伟"}, "name"),
])
def test_malformed_bodies_are_422_and_nothing_saved(company, body, field):
    response = send(api(company.alice), "post", "/leads", body)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize("body,field", [({"name": "张伟", "phone": "12345"}, "phone"),
                                        ({"name": "张伟", "email": "nope"}, "email")])
def test_business_rule_errors_are_400_with_field_messages(company, body, field):
    response = send(api(company.alice), "post", "/leads", body)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Lead.objects.exists()


def test_script_is_stored_verbatim_and_returned_as_json_text(company):
    text = "<script>alert(1)</script>"
    response = send(api(company.alice), "post", "/leads", {"name": text, "owner_id": company.alice.pk})
    assert response.json()["name"] == text


def test_update_matrix(company, make_lead):
    def updates(user):
        lead = make_lead(company.alice, f"线索{user.pk}", company="")
        return send(api(user), "patch", f"/leads/{lead.pk}", {"title": "总监"}).status_code == 200

    assert_matrix(company, updates, ALICE_RECORD_VISIBLE)


def test_patch_with_stale_version_is_409(company, alices):
    assert send(api(company.alice), "patch", f"/leads/{alices.pk}", {"title": "经理", "version": 1}).status_code == 200
    response = send(api(company.carol), "patch", f"/leads/{alices.pk}", {"title": "总监", "version": 1})
    assert response.status_code == 409
    assert Lead.objects.get(pk=alices.pk).title == "经理"


def test_patch_of_a_lead_deleted_meanwhile_is_404(company, alices):
    services.lead_delete(actor=company.alice, lead=alices)
    assert send(api(company.alice), "patch", f"/leads/{alices.pk}", {"title": "经理"}).status_code == 404


def test_patch_cannot_set_the_owner_or_convert(company, alices):
    assert send(api(company.carol), "patch", f"/leads/{alices.pk}", {"owner_id": company.bob.pk}).status_code == 422
    assert send(api(company.carol), "patch", f"/leads/{alices.pk}", {"status": "converted"}).status_code == 422


def test_delete_then_restore(company, alices):
    client = api(company.alice)
    assert send(client, "delete", f"/leads/{alices.pk}").status_code == 204
    assert client.get(f"{BASE}/leads/{alices.pk}").status_code == 404
    assert send(api(company.bob), "post", f"/leads/{alices.pk}/restore").status_code == 404
    assert send(client, "post", f"/leads/{alices.pk}/restore").json()["id"] == alices.pk


def test_bulk_delete_with_one_unreachable_id_deletes_nothing(company, alices, make_lead):
    dave_s = make_lead(company.dave, "赵六", company="")
    response = send(api(company.alice), "post", "/leads/bulk/delete", {"ids": [alices.pk, dave_s.pk]})
    assert response.status_code == 404
    assert Lead.objects.filter(deleted_at__isnull=True).count() == 2


# -- who works it --


def test_claim_then_claim_again_is_409(company, make_lead):
    lead = make_lead(None)
    response = send(api(company.bob), "post", f"/leads/{lead.pk}/claim")
    assert response.status_code == 200 and response.json()["owner"]["username"] == "bob"
    response = send(api(company.carol), "post", f"/leads/{lead.pk}/claim")
    assert response.status_code == 409 and response.json()["code"] == "already_claimed"
    assert send(api(company.erin), "post", f"/leads/{lead.pk}/claim").status_code == 403


def test_assign_matrix(company, make_lead):
    def assigns(user):
        lead = make_lead(company.alice, f"线索{user.pk}", company="")
        response = send(api(user), "post", "/leads/bulk/assign", {"ids": [lead.pk], "owner_id": company.bob.pk})
        return response.status_code == 200 and response.json() == {"count": 1}

    assert_matrix(company, assigns, {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False,
                                     "root": True})


def test_assign_to_someone_out_of_reach_is_refused(company, alices):
    response = send(api(company.carol), "post", "/leads/bulk/assign", {"ids": [alices.pk], "owner_id": company.dave.pk})
    assert response.status_code == 400 and "owner_id" in response.json()["errors"]
    response = send(api(company.carol), "post", "/leads/bulk/assign", {"ids": [], "owner_id": company.bob.pk})
    assert response.status_code == 422


def test_apply_rules(company, make_lead, make_rule):
    make_lead(None, "池中", company="")
    make_rule([company.bob])
    assert send(api(company.alice), "post", "/leads/bulk/apply-rules", {}).status_code == 403
    assert send(api(company.carol), "post", "/leads/bulk/apply-rules", {}).json() == {"count": 1}


# -- conversion --


@pytest.fixture
def qualified(company, alices, log_follow_up):
    log_follow_up(company.alice, alices, "第一次电话")
    lead = Lead.objects.get(pk=alices.pk)
    services.lead_update(actor=company.alice, lead=lead, data={"status": "qualified"})
    return Lead.objects.get(pk=alices.pk)


def test_convert_into_a_new_customer_with_an_opportunity(company, qualified):
    response = send(api(company.alice), "post", f"/leads/{qualified.pk}/convert", {
        "customer": {"industry": "it"}, "opportunity": {"name": "一期", "amount": "50000.00"},
        "version": qualified.version})
    assert response.status_code == 200, response.json()
    body = response.json()
    customer = Customer.objects.get()
    assert body["customer"] == {"id": customer.pk, "name": "杭州云栖科技有限公司"}
    assert body["lead"]["status"] == "converted" and body["lead"]["converted_customer_id"] == customer.pk
    assert body["follow_ups"] == 1 and body["contact"]["name"] == "张伟" and body["opportunity"]["name"] == "一期"
    assert customer.industry == "it"
    assert FollowUp.objects.get().author == company.alice


def test_convert_attaching_to_an_existing_customer(company, qualified, make_customer):
    existing = make_customer(company.alice, "云栖科技")
    client = api(company.alice)
    candidates = client.get(f"{BASE}/leads/{qualified.pk}/conversion-candidates").json()
    assert [c["id"] for c in candidates["customers"]] == [existing.pk]
    response = send(client, "post", f"/leads/{qualified.pk}/convert",
                    {"attach_to_customer": existing.pk, "create_contact": False})
    assert response.status_code == 200 and response.json()["contact"] is None
    assert Customer.objects.count() == 1 and FollowUp.objects.get().customer == existing


def test_candidates_name_only_the_owner_of_customers_out_of_reach(company, qualified, make_customer):
    make_customer(company.dave, "别家", phone="13812345678")
    body = api(company.alice).get(f"{BASE}/leads/{qualified.pk}/conversion-candidates").json()
    assert body["customers"] == []
    assert body["hidden"] == [{"kind": "customer", "followed_by": "Already followed by 赵磊 (销售二部)",
                               "reason": "same phone"}]


def test_attaching_to_a_customer_out_of_reach_is_refused(company, qualified, make_customer):
    dave_s = make_customer(company.dave, "别家")
    response = send(api(company.alice), "post", f"/leads/{qualified.pk}/convert", {"attach_to_customer": dave_s.pk})
    assert response.status_code == 400 and "attach_to_customer" in response.json()["errors"]
    assert Lead.objects.get(pk=qualified.pk).status == "qualified"


def test_convert_matrix_and_bad_input(company, qualified):
    statuses = {name: send(api(u), "post", f"/leads/{qualified.pk}/convert", {"version": 999}).status_code
                for name, u in company.cast().items()}
    assert statuses == {"alice": 409, "bob": 404, "carol": 409, "dave": 404, "erin": 403, "root": 409}
    assert send(api(company.alice), "post", f"/leads/{qualified.pk}/convert",
                {"opportunity": {"amount": "-1"}}).status_code == 422
    assert send(api(company.alice), "post", f"/leads/{qualified.pk}/convert", {"merge": True}).status_code == 422
    assert not Customer.objects.exists()


def test_converting_twice_is_refused(company, qualified):
    assert send(api(company.alice), "post", f"/leads/{qualified.pk}/convert").status_code == 200
    response = send(api(company.alice), "post", f"/leads/{qualified.pk}/convert")
    assert response.status_code == 400 and response.json()["code"] == "converted"
    assert Customer.objects.count() == 1


# -- follow-ups --


def test_follow_ups_log_list_edit_delete(company, alices):
    client = api(company.alice)
    response = send(client, "post", f"/leads/{alices.pk}/follow-ups", {"kind": "visit", "content": "上门拜访",
                                                                       "occurred_at": "2026-03-02T10:00:00+08:00"})
    assert response.status_code == 201, response.json()
    follow_up_id = response.json()["id"]
    assert Lead.objects.get(pk=alices.pk).status == "contacting"
    assert ids(client.get(f"{BASE}/leads/{alices.pk}/follow-ups")) == [follow_up_id]
    assert api(company.bob).get(f"{BASE}/leads/{alices.pk}/follow-ups").status_code == 404
    response = send(client, "patch", f"/lead-follow-ups/{follow_up_id}", {"content": "改过"})
    assert response.status_code == 200 and response.json()["content"] == "改过"
    assert send(api(company.dave), "delete", f"/lead-follow-ups/{follow_up_id}").status_code == 404
    assert send(client, "delete", f"/lead-follow-ups/{follow_up_id}").status_code == 204
    assert not LeadFollowUp.objects.exists()


@pytest.mark.parametrize("body,field", [({"content": ""}, "content"), ({"content": "x", "kind": "telepathy"}, "kind"),
                                        ({"content": "x", "occurred_at": "1800-01-01T00:00:00Z"}, "occurred_at")])
def test_bad_follow_ups_are_422(company, alices, body, field):
    response = send(api(company.alice), "post", f"/leads/{alices.pk}/follow-ups", body)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert not LeadFollowUp.objects.exists()


def test_follow_up_in_the_future_is_400(company, alices):
    response = send(api(company.alice), "post", f"/leads/{alices.pk}/follow-ups",
                    {"content": "x", "occurred_at": "2199-01-01T00:00:00Z"})
    assert response.status_code == 400 and "occurred_at" in response.json()["errors"]


# -- rules --


def test_rules_crud_and_matrix(company):
    statuses = {name: api(u).get(f"{BASE}/lead-rules").status_code for name, u in company.cast().items()}
    assert statuses == {"alice": 403, "bob": 403, "carol": 200, "dave": 403, "erin": 403, "root": 200}
    client = api(company.carol)
    response = send(client, "post", "/lead-rules", {"name": "网站", "sources": ["website"], "regions": ["广东"],
                                                    "member_ids": [company.bob.pk, company.alice.pk]})
    assert response.status_code == 201, response.json()
    rule = response.json()
    assert [m["username"] for m in rule["members"]] == ["bob", "alice"] and rule["turns"] == 0
    response = send(client, "patch", f"/lead-rules/{rule['id']}", {"is_active": False, "version": 1})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert send(client, "patch", f"/lead-rules/{rule['id']}", {"name": "旧", "version": 1}).status_code == 409
    assert send(api(company.alice), "delete", f"/lead-rules/{rule['id']}").status_code == 403
    assert send(client, "delete", f"/lead-rules/{rule['id']}").status_code == 204
    assert not AssignmentRule.objects.exists()


@pytest.mark.parametrize("body,status,field", [
    ({"name": "规则", "member_ids": []}, 422, "member_ids"),
    ({"name": "规则", "member_ids": [999999]}, 400, "member_ids"),
    ({"name": "规则", "member_ids": ["dave"]}, 422, "member_ids.0"),
    ({"name": "规则", "sources": ["pigeon"], "member_ids": [1]}, 422, "sources.0"),
    ({"name": "", "member_ids": [1]}, 422, "name"),
])
def test_bad_rules(company, body, status, field):
    response = send(api(company.carol), "post", "/lead-rules", body)
    assert response.status_code == status, response.json()
    assert field in response.json()["errors"]
    assert not AssignmentRule.objects.exists()


def test_rule_member_out_of_reach_is_refused(company):
    response = send(api(company.carol), "post", "/lead-rules", {"name": "规则", "member_ids": [company.dave.pk]})
    assert response.status_code == 400 and "member_ids" in response.json()["errors"]
