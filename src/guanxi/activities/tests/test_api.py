"""The follow-ups API and the customer timeline: permissions, filters, paging, masking, bad input."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.activities import services
from guanxi.activities.models import FollowUp
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.org.services import token_create

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client: Client, method: str, url: str, body):
    payload = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(BASE + url, payload, content_type="application/json")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def customer(company):
    return customer_services.customer_create(actor=company.alice, data={"name": "杭州云栖科技",
                                                                        "phone": "13812345678"})


@pytest.fixture
def follow_up(company, customer):
    return services.follow_up_create(actor=company.alice, customer=customer,
                                     data={"kind": "visit", "content": "上门拜访，聊了报价"})


def test_log_a_follow_up_moves_the_customers_dates(company, customer):
    contact = customer_services.contact_create(actor=company.alice, customer=customer, data={"name": "张经理"})
    response = send(api(company.alice), "post", "/follow-ups", {
        "customer_id": customer.pk, "contact_id": contact.pk, "kind": "call", "content": "电话沟通需求",
        "occurred_at": "2026-03-02T10:00:00+08:00", "next_follow_up_at": "2026-03-09T10:00:00+08:00",
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer"] == {"id": customer.pk, "name": "杭州云栖科技"}
    assert body["contact"] == {"id": contact.pk, "name": "张经理"}
    assert body["author"]["username"] == "alice"
    assert body["attachments"] == []
    customer.refresh_from_db()
    assert customer.last_contacted_at == dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    assert customer.next_follow_up_at == dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC)


def test_time_without_offset_is_read_in_the_server_time_zone(company, customer):
    response = send(api(company.alice), "post", "/follow-ups", {
        "customer_id": customer.pk, "content": "微信沟通", "occurred_at": "2026-03-02T10:00:00",
    })
    assert response.status_code == 201
    assert FollowUp.objects.get().occurred_at == dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def test_list_matrix(company, follow_up):
    responses = {user: api(user).get(f"{BASE}/follow-ups") for user in company.cast().values()}
    assert_matrix(company, lambda u: responses[u].status_code == 200 and follow_up.pk in ids(responses[u]),
                  ALICE_RECORD_VISIBLE)
    assert responses[company.erin].status_code == 403


def test_detail_matrix(company, follow_up):
    statuses = {name: api(user).get(f"{BASE}/follow-ups/{follow_up.pk}").status_code
                for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}


def test_update_matrix_author_or_edit_right(company, follow_up):
    def can_update(user):
        response = send(api(user), "patch", f"/follow-ups/{follow_up.pk}", {"content": f"{user.username} 补充"})
        return response.status_code == 200

    # alice is the author; carol and root hold activities.edit; bob and dave cannot see it; erin has nothing
    assert_matrix(company, can_update, ALICE_RECORD_VISIBLE)
    follow_up.refresh_from_db()
    assert follow_up.content == "root 补充"


def test_delete_needs_author_or_delete_right(company, customer):
    mine = services.follow_up_create(actor=company.alice, customer=customer, data={"content": "我写的"})
    by_root = services.follow_up_create(actor=company.root, customer=customer, data={"content": "管理员写的"})
    assert api(company.alice).delete(f"{BASE}/follow-ups/{by_root.pk}").status_code == 403
    assert api(company.alice).delete(f"{BASE}/follow-ups/{mine.pk}").status_code == 204
    assert list(FollowUp.objects.values_list("pk", flat=True)) == [by_root.pk]


def test_filters_by_customer_kind_and_author(company, customer):
    other = customer_services.customer_create(actor=company.alice, data={"name": "另一个客户"})
    a = services.follow_up_create(actor=company.alice, customer=customer, data={"kind": "call", "content": "1"})
    b = services.follow_up_create(actor=company.alice, customer=customer, data={"kind": "visit", "content": "2"})
    c = services.follow_up_create(actor=company.carol, customer=other, data={"kind": "call", "content": "3"})
    client = api(company.carol)
    assert sorted(ids(client.get(f"{BASE}/follow-ups", {"customer": customer.pk}))) == sorted([a.pk, b.pk])
    assert sorted(ids(client.get(f"{BASE}/follow-ups", {"kind": "call"}))) == sorted([a.pk, c.pk])
    assert ids(client.get(f"{BASE}/follow-ups", {"author": company.carol.pk})) == [c.pk]
    assert client.get(f"{BASE}/follow-ups", {"kind": "telepathy"}).status_code == 422
    assert api(company.dave).get(f"{BASE}/follow-ups", {"customer": customer.pk}).status_code == 404


def test_walking_pages_returns_each_once_newest_first(company, customer):
    same_time = timezone.now() - dt.timedelta(hours=1)
    for i in range(11):
        FollowUp.objects.create(customer=customer, author=company.alice, content=f"第{i}次",
                                occurred_at=same_time if i % 2 else same_time - dt.timedelta(minutes=i))
    expected = list(FollowUp.objects.order_by("-occurred_at", "-id").values_list("pk", flat=True))
    client = api(company.alice)
    seen, cursor = [], None
    while True:
        response = client.get(f"{BASE}/follow-ups", {"limit": 3, **({"cursor": cursor} if cursor else {})})
        seen += ids(response)
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert seen == expected


def test_list_query_count_does_not_grow_with_rows(company, customer, django_assert_max_num_queries):
    client = api(company.carol)
    client.get(f"{BASE}/me")
    counts = []
    for n in (5, 30):
        FollowUp.objects.bulk_create([FollowUp(customer=customer, author=company.alice, content=str(i),
                                               occurred_at=timezone.now()) for i in range(n)])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}/follow-ups?limit=100").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(8):
        client.get(f"{BASE}/follow-ups?limit=100")


@pytest.mark.parametrize("body, status, field", [
    ({"content": "x"}, 422, "customer_id"),
    ({"customer_id": "abc", "content": "x"}, 422, "customer_id"),
    ({"customer_id": 1, "content": ""}, 422, "content"),
    ({"customer_id": 1, "content": "x" * 3_000_000}, 422, "content"),
    ({"customer_id": 1, "content": "x", "kind": "fax"}, 422, "kind"),
    ({"customer_id": 1, "content": "x", "occurred_at": "soon"}, 422, "occurred_at"),
    ({"customer_id": 1, "content": "x", "occurred_at": "9999-12-31T00:00:00Z"}, 422, "occurred_at"),
    ({"customer_id": 1, "content": "x", "author_id": 1}, 422, "author_id"),
    ({"customer_id": 1, "content": "x", "occurred_at": "2099-01-01T00:00:00+08:00"}, 400, "occurred_at"),
    ({"customer_id": 1, "content": "x", "occurred_at": "2026-01-02T00:00:00+08:00",
      "next_follow_up_at": "2026-01-01T00:00:00+08:00"}, 400, "next_follow_up_at"),
])
def test_bad_follow_up_input_changes_nothing(company, customer, body, status, field):
    body = {**body, "customer_id": customer.pk} if body.get("customer_id") == 1 else body
    response = send(api(company.alice), "post", "/follow-ups", body)
    assert response.status_code == status, response.json()
    assert field in response.json()["errors"]
    assert not FollowUp.objects.exists()
    customer.refresh_from_db()
    assert customer.last_contacted_at is None


def test_contact_of_another_customer_is_refused(company, customer):
    other = customer_services.customer_create(actor=company.alice, data={"name": "另一个客户"})
    stranger = customer_services.contact_create(actor=company.alice, customer=other, data={"name": "别人的联系人"})
    response = send(api(company.alice), "post", "/follow-ups", {"customer_id": customer.pk,
                                                                 "contact_id": stranger.pk, "content": "x"})
    assert response.status_code == 400
    assert "contact" in response.json()["errors"]


def test_follow_up_on_a_customer_out_of_scope_is_404(company, customer):
    response = send(api(company.dave), "post", "/follow-ups", {"customer_id": customer.pk, "content": "x"})
    assert response.status_code == 404
    assert not FollowUp.objects.exists()


def test_script_in_content_comes_back_verbatim(company, customer):
    text = "<script>alert(1)</script> 客户说：' OR 1=1 --"
    created = send(api(company.alice), "post", "/follow-ups", {"customer_id": customer.pk, "content": text})
    assert api(company.alice).get(f"{BASE}/follow-ups/{created.json()['id']}").json()["content"] == text


def test_deleted_meanwhile_is_404(company, follow_up):
    pk = follow_up.pk
    services.follow_up_delete(actor=company.carol, follow_up=follow_up)
    response = send(api(company.alice), "patch", f"/follow-ups/{pk}", {"content": "改"})
    assert response.status_code == 404


# -- the timeline --


def test_timeline_mixes_follow_ups_and_changes_and_masks_phones(company, customer, follow_up):
    customer_services.customer_update(actor=company.alice, customer=customer, data={"phone": "13900001111"})
    seller = api(company.alice).get(f"{BASE}/customers/{customer.pk}/timeline")
    assert seller.status_code == 200
    entries = seller.json()
    kinds = [e["kind"] for e in entries]
    assert "follow_up" in kinds and "audit" in kinds
    assert any(e["follow_up"] and e["follow_up"]["id"] == follow_up.pk for e in entries)
    change = next(e["change"] for e in entries if e["kind"] == "audit" and "phone" in e["change"]["changes"])
    assert change["changes"]["phone"] == ["138****5678", "139****1111"]
    manager = api(company.carol).get(f"{BASE}/customers/{customer.pk}/timeline").json()
    change = next(e["change"] for e in manager if e["kind"] == "audit" and "phone" in e["change"]["changes"])
    assert change["changes"]["phone"] == ["13812345678", "13900001111"]


def test_timeline_matrix(company, customer):
    statuses = {name: api(user).get(f"{BASE}/customers/{customer.pk}/timeline").status_code
                for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}


def test_timeline_of_a_deleted_customer_is_404(company, customer):
    customer_services.customer_delete(actor=company.alice, customer=customer)
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert api(company.alice).get(f"{BASE}/customers/{customer.pk}/timeline").status_code == 404
