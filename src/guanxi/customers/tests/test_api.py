"""The customers, contacts and tags API: permissions, masking, paging, concurrency and bad input."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.core.models import AuditEvent, CustomFieldDefinition
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer, Tag
from guanxi.org.services import token_create

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
NO_RIGHT = {"erin"}  # signed in, no role: 403 rather than 404


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client: Client, method: str, url: str, body=None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(BASE + url, payload, content_type="application/json")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def alices(company):
    return services.customer_create(actor=company.alice, data={"name": "杭州云栖科技", "phone": "13812345678",
                                                               "email": "Boss@Yunqi.cn"})


# -- permission matrix --


def test_list_shows_each_person_only_what_their_scope_reaches(company, alices):
    responses = {user: api(user).get(f"{BASE}/customers") for user in company.cast().values()}
    assert_matrix(company, lambda u: responses[u].status_code == 200 and alices.pk in ids(responses[u]),
                  ALICE_RECORD_VISIBLE)
    assert responses[company.erin].status_code == 403
    assert responses[company.erin].json()["code"] == "forbidden"


def test_detail_is_404_out_of_scope_and_403_without_any_right(company, alices):
    statuses = {name: api(user).get(f"{BASE}/customers/{alices.pk}").status_code
                for name, user in company.cast().items()}
    assert_matrix(company, lambda u: api(u).get(f"{BASE}/customers/{alices.pk}").status_code == 200,
                  ALICE_RECORD_VISIBLE)
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}


def test_update_matrix(company, alices):
    def can_update(user):
        response = send(api(user), "patch", f"/customers/{alices.pk}", {"region": f"由{user.username}改"})
        return response.status_code == 200

    assert_matrix(company, can_update, ALICE_RECORD_VISIBLE)
    alices.refresh_from_db()
    assert alices.region == "由root改"


def test_missing_and_out_of_scope_answer_the_same(company, alices):
    missing = api(company.dave).get(f"{BASE}/customers/{alices.pk + 1000}")
    hidden = api(company.dave).get(f"{BASE}/customers/{alices.pk}")
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json() == {"code": "not_found", "message": hidden.json()["message"], "errors": {}}


def test_bulk_transfer_matrix_needs_the_transfer_right(company):
    def can_transfer(user):
        customer = services.customer_create(actor=company.alice, data={"name": f"转给李强-{user.username}"})
        response = send(api(user), "post", "/customers/bulk/transfer", {"ids": [customer.pk],
                                                                        "owner_id": company.bob.pk})
        customer.refresh_from_db()
        assert (customer.owner == company.bob) == (response.status_code == 200)
        return response.status_code == 200

    assert_matrix(company, can_transfer, {"alice": False, "bob": False, "carol": True, "dave": False,
                                          "erin": False, "root": True})


def test_bulk_transfer_reports_count_and_audits_each(company):
    customers = [services.customer_create(actor=company.alice, data={"name": f"客户{i}"}) for i in range(3)]
    response = send(api(company.carol), "post", "/customers/bulk/transfer",
                    {"ids": [c.pk for c in customers], "owner_id": company.bob.pk})
    assert response.status_code == 200
    assert response.json() == {"count": 3}
    assert set(Customer.objects.values_list("owner__username", flat=True)) == {"bob"}
    assert AuditEvent.objects.filter(action="customer.transferred").count() == 3


def test_bulk_with_one_unreachable_id_changes_nothing(company, alices):
    daves = services.customer_create(actor=company.dave, data={"name": "赵磊的客户"})
    tag = services.tag_create(actor=company.alice, name="重点")
    response = send(api(company.alice), "post", "/customers/bulk/tag", {"ids": [alices.pk, daves.pk],
                                                                        "tag_id": tag.pk})
    assert response.status_code == 404
    assert not alices.tags.exists()


def test_bulk_tag_matrix(company):
    tag = Tag.objects.create(name="老客户")

    def can_tag(user):
        customer = services.customer_create(actor=company.alice, data={"name": f"打标签-{user.username}"})
        response = send(api(user), "post", "/customers/bulk/tag", {"ids": [customer.pk], "tag_id": tag.pk})
        return response.status_code == 200 and customer.tags.filter(pk=tag.pk).exists()

    assert_matrix(company, can_tag, ALICE_RECORD_VISIBLE)


def test_bulk_refuses_more_than_a_thousand_ids(company):
    response = send(api(company.root), "post", "/customers/bulk/delete", {"ids": list(range(1, 1002))})
    assert response.status_code == 422
    assert "ids" in response.json()["errors"]


# -- create, read, update, delete --


def test_create_with_tags_custom_fields_and_owner_in_scope(company):
    tag = Tag.objects.create(name="重点跟进")
    CustomFieldDefinition.objects.create(entity="customers.customer", key="employees", label="员工数",
                                         kind="number")
    response = send(api(company.carol), "post", "/customers", {
        "name": "深圳华为技术有限公司", "kind": "company", "industry": "it", "grade": "A", "status": "intent",
        "phone": "138 1234 5678", "email": "Sales@HW.cn", "region": "广东 深圳", "tag_ids": [tag.pk],
        "custom": {"employees": 200000}, "owner_id": company.bob.pk,
        "next_follow_up_at": "2030-01-02T09:30:00+08:00",
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"]["username"] == "bob"
    assert body["department"]["name"] == "销售一部"
    assert body["tags"] == [{"id": tag.pk, "name": "重点跟进", "color": tag.color}]
    assert body["custom"] == {"employees": "200000"}
    assert body["phone"] == "138 1234 5678"  # as typed; carol may see phones
    assert body["email"] == "sales@hw.cn"
    assert body["version"] == 1
    customer = Customer.objects.get(pk=body["id"])
    assert customer.phone_e164 == "+8613812345678"
    assert AuditEvent.objects.filter(action="customer.created", object_id=str(customer.pk)).exists()


def test_owner_outside_the_pickers_choices_is_refused(company):
    # alice sees only her own customers, so she cannot give one to dave
    response = send(api(company.alice), "post", "/customers", {"name": "某公司", "owner_id": company.dave.pk})
    assert response.status_code == 400
    assert "owner_id" in response.json()["errors"]
    assert not Customer.objects.exists()


def test_phone_and_email_are_masked_without_view_sensitive(company, alices):
    seller = api(company.alice).get(f"{BASE}/customers/{alices.pk}").json()
    manager = api(company.carol).get(f"{BASE}/customers/{alices.pk}").json()
    listed = api(company.alice).get(f"{BASE}/customers").json()["items"][0]
    assert seller["phone"] == listed["phone"] == "138****5678"
    assert seller["email"] == listed["email"] == "b***@yunqi.cn"
    assert manager["phone"] == "13812345678"
    assert manager["email"] == "boss@yunqi.cn"


def test_patch_changes_only_sent_fields_and_bumps_version(company, alices):
    response = send(api(company.alice), "patch", f"/customers/{alices.pk}",
                    {"grade": "B", "notes": "周三拜访", "version": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["grade"], body["notes"], body["version"]) == ("B", "周三拜访", 2)
    alices.refresh_from_db()
    assert alices.name == "杭州云栖科技"
    assert alices.phone == "13812345678"


def test_blank_choice_can_be_cleared_with_empty_string_or_null(company, alices):
    send(api(company.alice), "patch", f"/customers/{alices.pk}", {"grade": "A", "industry": "it"})
    response = send(api(company.alice), "patch", f"/customers/{alices.pk}", {"grade": "", "industry": None})
    assert response.status_code == 200
    assert (response.json()["grade"], response.json()["industry"]) == ("", "")


def test_stale_version_is_a_409_and_keeps_the_other_edit(company, alices):
    client = api(company.alice)
    assert send(client, "patch", f"/customers/{alices.pk}", {"name": "新名字", "version": 1}).status_code == 200
    response = send(client, "patch", f"/customers/{alices.pk}", {"name": "旧页面上的名字", "version": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    alices.refresh_from_db()
    assert alices.name == "新名字"


def test_record_deleted_meanwhile_is_404_on_update(company, alices):
    services.customer_delete(actor=company.carol, customer=alices)
    response = send(api(company.alice), "patch", f"/customers/{alices.pk}", {"name": "还在吗", "version": 1})
    assert response.status_code == 404
    assert Customer.objects.get(pk=alices.pk).name == "杭州云栖科技"


def test_changing_owner_needs_the_transfer_right(company, alices):
    response = send(api(company.carol), "patch", f"/customers/{alices.pk}", {"owner_id": company.bob.pk})
    assert response.status_code == 200
    assert response.json()["owner"]["username"] == "bob"
    theirs = services.customer_create(actor=company.bob, data={"name": "李强的客户"})
    refused = send(api(company.bob), "patch", f"/customers/{theirs.pk}", {"owner_id": company.bob.pk,
                                                                          "name": "改名"})
    assert refused.status_code == 200  # same owner: not a transfer


def test_delete_then_restore(company, alices):
    client = api(company.alice)
    assert client.delete(f"{BASE}/customers/{alices.pk}").status_code == 204
    assert client.get(f"{BASE}/customers/{alices.pk}").status_code == 404
    assert Customer.objects.get(pk=alices.pk).deleted_at is not None
    restored = client.post(f"{BASE}/customers/{alices.pk}/restore")
    assert restored.status_code == 200
    assert restored.json()["name"] == "杭州云栖科技"
    assert client.post(f"{BASE}/customers/{alices.pk}/restore").status_code == 404  # not in the bin any more


def test_delete_needs_the_right_and_scope(company, alices):
    assert api(company.erin).delete(f"{BASE}/customers/{alices.pk}").status_code == 403
    assert api(company.dave).delete(f"{BASE}/customers/{alices.pk}").status_code == 404
    alices.refresh_from_db()
    assert alices.deleted_at is None


# -- collaborators (团队成员) --


def test_collaborators_add_list_remove(company, alices):
    owner = api(company.alice)
    added = send(owner, "put", f"/customers/{alices.pk}/collaborators/{company.bob.pk}", {"can_edit": False})
    assert added.status_code == 200
    assert added.json()["user"]["username"] == "bob"
    listed = owner.get(f"{BASE}/customers/{alices.pk}/collaborators").json()
    assert [(m["user"]["username"], m["can_edit"]) for m in listed] == [("bob", False)]

    bob = api(company.bob)
    assert bob.get(f"{BASE}/customers/{alices.pk}").status_code == 200
    assert send(bob, "patch", f"/customers/{alices.pk}", {"name": "只读成员改名"}).status_code == 403

    assert owner.delete(f"{BASE}/customers/{alices.pk}/collaborators/{company.bob.pk}").status_code == 204
    assert bob.get(f"{BASE}/customers/{alices.pk}").status_code == 404
    assert owner.delete(f"{BASE}/customers/{alices.pk}/collaborators/{company.bob.pk}").status_code == 404


def test_collaborators_out_of_scope_are_404(company, alices):
    assert api(company.dave).get(f"{BASE}/customers/{alices.pk}/collaborators").status_code == 404
    response = send(api(company.dave), "put", f"/customers/{alices.pk}/collaborators/{company.dave.pk}",
                    {"can_edit": True})
    assert response.status_code == 404


# -- bad input --


@pytest.mark.parametrize("body, field", [
    ({"name": 123}, "name"),
    ({"name": ["a"]}, "name"),
    ({"name": "某公司", "kind": "alien"}, "kind"),
    ({"name": "某公司", "grade": "Z"}, "grade"),
    ({"name": "某公司", "owner_id": "abc"}, "owner_id"),
    ({"name": "某公司", "owner_id": 2**70}, "owner_id"),
    ({"name": "某公司", "unknown_field": 1}, "unknown_field"),
    ({"name": "某公司", "next_follow_up_at": "yesterday"}, "next_follow_up_at"),
    ({"name": "某公司", "next_follow_up_at": "0001-01-01T00:00:00Z"}, "next_follow_up_at"),
    ({"name": "某公司", "tag_ids": "1,2"}, "tag_ids"),
    ({"name": "某\x00公司"}, "name"),
    ({"name": "某公司", "custom": {"k": {"nested": "object"}}}, "custom.k"),
    ({"name": "x" * 3_000_000}, "name"),
    ({"name": "某公司", "notes": "长" * 1_000_000}, "notes"),
    ({}, "name"),
])
def test_malformed_bodies_are_422_and_nothing_saved(company, body, field):
    response = send(api(company.alice), "post", "/customers", body)
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid"
    assert any(key == field or key.startswith(field + ".") for key in data["errors"]), data["errors"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize("body, field, code", [
    ({"name": "某公司", "phone": "12345"}, "phone", "invalid_phone"),
    ({"name": "某公司", "email": "not-an-email"}, "email", "invalid"),
    ({"name": "某公司", "website": "javascript:alert(1)"}, "website", "invalid"),
    ({"name": "   "}, "name", "invalid"),
    ({"name": "某公司", "tag_ids": [999999]}, "tag_ids", "invalid"),
    ({"name": "某公司", "custom": {"nope": "1"}}, "custom.nope", "invalid"),
])
def test_business_rule_errors_are_400_with_field_messages(company, body, field, code):
    response = send(api(company.alice), "post", "/customers", body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert field in response.json()["errors"]
    assert not Customer.objects.exists()


def test_invalid_phone_on_update_changes_nothing(company, alices):
    response = send(api(company.alice), "patch", f"/customers/{alices.pk}", {"phone": "12345", "name": "新"})
    assert response.status_code == 400
    alices.refresh_from_db()
    assert (alices.phone, alices.name, alices.version) == ("13812345678", "杭州云栖科技", 1)


def test_script_and_sql_are_stored_verbatim_and_returned_as_json_text(company):
    name = "<script>alert('x')</script>'; DROP TABLE customers_customer; --"
    response = send(api(company.alice), "post", "/customers", {"name": name, "notes": "<img src=x onerror=1>"})
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    fetched = api(company.alice).get(f"{BASE}/customers/{response.json()['id']}").json()
    assert fetched["name"] == name
    assert fetched["notes"] == "<img src=x onerror=1>"
    assert Customer.objects.get().name == name


def test_body_over_the_upload_limit_is_413(company):
    response = send(api(company.alice), "post", "/customers", {"name": "某公司", "notes": "x" * 11_000_000})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Customer.objects.exists()


def test_body_that_is_not_json_is_400(company):
    response = send(api(company.alice), "post", "/customers", "{name: 'x'")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_body"


def test_nan_is_not_json(company):
    response = send(api(company.alice), "post", "/customers", '{"name": "x", "custom": {"n": NaN}}')
    assert response.status_code == 400


@pytest.mark.parametrize("query, field", [
    ("status=unknown", "status"),
    ("sort=password", "sort"),
    ("owner=-1", "owner"),
    ("created_from=2024-13-45", "created_from"),
    ("limit=0", "limit"),
    ("limit=100000", "limit"),
    ("q=" + "x" * 5000, "q"),
    ("q=%00", "q"),
])
def test_bad_list_parameters_are_422(company, query, field):
    response = api(company.alice).get(f"{BASE}/customers?{query}")
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_bad_cursor_and_unknown_custom_filter_are_400(company):
    client = api(company.alice)
    assert client.get(f"{BASE}/customers?cursor=not-a-cursor").json()["code"] == "invalid_cursor"
    unknown = client.get(f"{BASE}/customers?cf_nothing=1")
    assert unknown.status_code == 400
    assert "cf_nothing" in unknown.json()["errors"]


def test_huge_or_zero_ids_in_the_path_are_422_not_500(company):
    client = api(company.alice)
    assert client.get(f"{BASE}/customers/{2**64}").status_code == 422
    assert client.get(f"{BASE}/customers/0").status_code == 422


# -- filters, paging, query counts --


def test_filters_are_those_of_the_customer_list(company):
    client = api(company.carol)
    services.customer_create(actor=company.alice, data={"name": "张伟", "grade": "A", "status": "won"})
    services.customer_create(actor=company.alice, data={"name": "李娜", "grade": "B"})
    services.customer_create(actor=company.bob, data={"name": "张伟民", "grade": "A"})
    names = lambda q: sorted(i["name"] for i in client.get(f"{BASE}/customers?{q}").json()["items"])  # noqa: E731
    assert names("q=zw") == ["张伟", "张伟民"]
    assert names("grade=A&status=won") == ["张伟"]
    assert names(f"owner={company.bob.pk}") == ["张伟民"]
    assert names("sort=name") == ["张伟", "张伟民", "李娜"] or names("sort=name") == sorted(["张伟", "张伟民", "李娜"])


def test_sort_keys_are_those_of_the_filters():
    from typing import get_args

    from guanxi.customers.filters import ORDERINGS
    from guanxi.customers.schemas import SortKey

    assert set(get_args(SortKey)) == set(ORDERINGS)


def test_custom_field_filter(company):
    CustomFieldDefinition.objects.create(entity="customers.customer", key="level", label="等级", kind="choice",
                                         choices=["金", "银"])
    services.customer_create(actor=company.alice, data={"name": "金牌客户"}, custom={"level": "金"})
    services.customer_create(actor=company.alice, data={"name": "银牌客户"}, custom={"level": "银"})
    response = api(company.alice).get(f"{BASE}/customers?cf_level=金")
    assert [i["name"] for i in response.json()["items"]] == ["金牌客户"]


def test_walking_pages_sorted_by_name_with_ties_returns_each_once(company):
    names = ["甲", "乙", "甲", "丙", "甲", "乙", "Zeta", "alpha", "甲", "丁", "甲", "乙", "戊"] * 2
    for n in names:
        Customer.objects.create(name=n, owner=company.alice, department=company.sales1)
    expected = list(Customer.objects.order_by("name", "id").values_list("pk", flat=True))
    client = api(company.alice)
    seen, cursor, pages = [], "", 0
    while True:
        params: dict[str, str | int] = {"sort": "name", "limit": 4}
        if cursor:
            params["cursor"] = cursor
        response = client.get(f"{BASE}/customers", params)
        assert response.status_code == 200
        seen += ids(response)
        pages += 1
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    assert len(set(seen)) == len(names)
    assert pages == 7


def _seed(company, n: int) -> None:
    tags = [Tag.objects.create(name=f"标签{i}-{n}") for i in range(2)]
    for i in range(n):
        c = Customer.objects.create(name=f"客户{i}", owner=company.alice, department=company.sales1)
        c.tags.set(tags)


@pytest.mark.parametrize("who", ["alice", "carol", "root"])
def test_customer_list_query_count_does_not_grow_with_rows(company, who, django_assert_max_num_queries):
    client = api(getattr(company, who))
    client.get(f"{BASE}/me")  # the token's first use records it; not part of the list cost
    counts = []
    for n in (5, 25):
        _seed(company, n)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/customers?limit=100")
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(8):
        client.get(f"{BASE}/customers?limit=100")


def test_contact_list_query_count_does_not_grow_with_rows(company, django_assert_max_num_queries):
    client = api(company.carol)
    client.get(f"{BASE}/me")
    counts = []
    for n in (5, 30):
        customer = services.customer_create(actor=company.alice, data={"name": f"有{n}个联系人"})
        Contact.objects.bulk_create([Contact(customer=customer, name=f"联系人{i}") for i in range(n)])
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/contacts?limit=100")
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(8):
        client.get(f"{BASE}/contacts?limit=100")


# -- contacts --


def test_contact_create_list_get_update_delete(company, alices):
    client = api(company.alice)
    created = send(client, "post", f"/customers/{alices.pk}/contacts", {
        "name": "张经理", "title": "采购经理", "mobile": "139 0000 1111", "email": "Zhang@Yunqi.cn",
        "is_decision_maker": True, "birthday": "1985-06-01",
    })
    assert created.status_code == 201, created.json()
    contact = created.json()
    assert contact["customer"] == {"id": alices.pk, "name": "杭州云栖科技"}
    assert contact["mobile"] == "139****1111"  # alice cannot see phones unmasked
    listed = client.get(f"{BASE}/contacts", {"customer": alices.pk})
    assert ids(listed) == [contact["id"]]
    assert ids(client.get(f"{BASE}/contacts", {"q": "zjl"})) == [contact["id"]]
    assert ids(client.get(f"{BASE}/contacts", {"q": "13900001111"})) == [contact["id"]]
    updated = send(client, "patch", f"/contacts/{contact['id']}", {"title": "总经理", "version": 1})
    assert updated.status_code == 200
    assert (updated.json()["title"], updated.json()["version"]) == ("总经理", 2)
    stale = send(client, "patch", f"/contacts/{contact['id']}", {"title": "副总", "version": 1})
    assert stale.status_code == 409
    assert client.delete(f"{BASE}/contacts/{contact['id']}").status_code == 204
    assert client.get(f"{BASE}/contacts/{contact['id']}").status_code == 404
    assert Contact.objects.get(pk=contact["id"]).deleted_at is not None


def test_contact_detail_matrix_follows_the_customer(company, alices):
    contact = services.contact_create(actor=company.alice, customer=alices, data={"name": "王总"})
    assert_matrix(company, lambda u: api(u).get(f"{BASE}/contacts/{contact.pk}").status_code == 200,
                  ALICE_RECORD_VISIBLE)
    assert api(company.erin).get(f"{BASE}/contacts/{contact.pk}").status_code == 403


def test_contact_on_a_customer_out_of_scope_is_404(company, alices):
    response = send(api(company.dave), "post", f"/customers/{alices.pk}/contacts", {"name": "冒充"})
    assert response.status_code == 404
    assert api(company.dave).get(f"{BASE}/contacts", {"customer": alices.pk}).status_code == 404
    assert not Contact.objects.exists()


@pytest.mark.parametrize("body, status, field", [
    ({"name": "王总", "mobile": "0000"}, 400, "mobile"),
    ({"name": "王总", "email": "wang@"}, 400, "email"),
    ({"name": "王总", "birthday": "1985-02-30"}, 422, "birthday"),
    ({"name": "王总", "birthday": "0001-01-01"}, 422, "birthday"),
    ({"name": "王总", "is_decision_maker": "maybe"}, 422, "is_decision_maker"),
    ({"name": "王" * 101}, 422, "name"),
    ({"name": "王总", "customer_id": 5}, 422, "customer_id"),
])
def test_bad_contact_input(company, alices, body, status, field):
    response = send(api(company.alice), "post", f"/customers/{alices.pk}/contacts", body)
    assert response.status_code == status
    assert field in response.json()["errors"]
    assert not Contact.objects.exists()


def test_contact_deleted_meanwhile_is_404(company, alices):
    contact = services.contact_create(actor=company.alice, customer=alices, data={"name": "王总"})
    services.contact_delete(actor=company.alice, contact=contact)
    response = send(api(company.alice), "patch", f"/contacts/{contact.pk}", {"title": "总监"})
    assert response.status_code == 404


# -- tags --


def test_tags_list_for_everyone_create_needs_edit_right(company):
    Tag.objects.create(name="老客户")
    assert [t["name"] for t in api(company.erin).get(f"{BASE}/tags").json()] == ["老客户"]
    assert send(api(company.erin), "post", "/tags", {"name": "新标签"}).status_code == 403
    created = send(api(company.alice), "post", "/tags", {"name": "重点", "color": "#ff0000"})
    assert created.status_code == 201
    assert created.json()["color"] == "#ff0000"
    again = send(api(company.alice), "post", "/tags", {"name": "重点", "color": "#00ff00"})
    assert again.json()["id"] == created.json()["id"]
    assert Tag.objects.count() == 2


def test_tag_color_must_be_a_hex_colour(company):
    response = send(api(company.alice), "post", "/tags", {"name": "坏", "color": "red;background:url(x)"})
    assert response.status_code == 422
    assert not Tag.objects.filter(name="坏").exists()
