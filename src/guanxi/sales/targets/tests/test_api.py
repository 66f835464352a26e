"""The targets API: permissions, CRUD, bulk, progress, bad input and query counts."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from guanxi.core.testing import assert_matrix
from guanxi.org.services import token_create
from guanxi.sales.targets.models import Target
from guanxi.sales.targets.periods import current_periods

from .factories import make_contract

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def api(user) -> Client:
    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})


def send(client: Client, method: str, url: str, body=None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(BASE + url, payload, content_type="application/json")


def query(**values: Any) -> dict[str, Any]:
    return values


def new_target(subject_field: str, subject_id: int, **extra) -> dict:
    return {subject_field: subject_id, "period_kind": "month", "year": 2025, "period_index": 3, "metric": "signed",
            "amount": "50000.00", "currency": "CNY", **extra}


# -- permission matrix --


def test_list_shows_targets_in_each_readers_scope(managers, set_target):
    alices = set_target(managers.alice, 10_000)
    responses = {u: api(u).get(f"{BASE}/targets") for u in managers.cast().values()}
    assert_matrix(managers, lambda u: responses[u].status_code == 200 and alices.pk in [
        t["id"] for t in responses[u].json()["items"]],
        {"alice": True, "bob": False, "carol": True, "dave": False, "erin": False, "root": True})
    assert responses[managers.erin].status_code == 403


def test_detail_is_404_out_of_scope_and_403_without_any_right(managers, set_target):
    alices = set_target(managers.alice, 10_000)
    statuses = {n: api(u).get(f"{BASE}/targets/{alices.pk}").status_code for n, u in managers.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}
    body = api(managers.alice).get(f"{BASE}/targets/{alices.pk}").json()
    assert body["user"]["name"] == "王芳" and body["amount"] == "10000.00" and body["department"] is None


def test_create_matrix(managers):
    def can_create(user):
        response = send(api(user), "post", "/targets", new_target("user_id", managers.alice.pk,
                                                                   period_index=user.pk % 12 + 1))
        return response.status_code == 201

    assert_matrix(managers, can_create, {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False,
                                         "root": True})


def test_update_and_delete_matrix(managers, set_target):
    def can_update(user):
        target = set_target(managers.bob, 1000, index=user.pk % 12 + 1)
        response = send(api(user), "patch", f"/targets/{target.pk}", {"amount": "2000"})
        target.refresh_from_db()
        assert (target.amount == 2000) == (response.status_code == 200)
        return response.status_code == 200

    def can_delete(user):
        target = set_target(managers.bob, 1000, "quarter", 2025, user.pk % 4 + 1)
        response = send(api(user), "delete", f"/targets/{target.pk}")
        gone = not Target.objects.filter(pk=target.pk).exists()
        Target.objects.filter(pk=target.pk).delete()
        return response.status_code == 204 and gone

    expected = {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}
    assert_matrix(managers, can_update, expected)
    assert_matrix(managers, can_delete, expected)


# -- writes --


def test_create_a_department_target(managers):
    response = send(api(managers.carol), "post", "/targets",
                    new_target("department_id", managers.sales1.pk, period_kind="quarter", period_index=2,
                               amount=250000.5, currency="USD"))
    assert response.status_code == 201
    body = response.json()
    assert body["department"] == {"id": managers.sales1.pk, "name": "销售一部"} and body["user"] is None
    assert (body["amount"], body["currency"], body["version"]) == ("250000.50", "USD", 1)


def test_a_second_target_for_the_same_cell_conflicts(managers):
    client = api(managers.carol)
    assert send(client, "post", "/targets", new_target("user_id", managers.alice.pk)).status_code == 201
    response = send(client, "post", "/targets", new_target("user_id", managers.alice.pk, amount="1"))
    assert response.status_code == 409 and response.json()["code"] == "duplicate"


def test_patch_with_a_stale_version_conflicts(managers, set_target):
    target = set_target(managers.alice, 1000)
    client = api(managers.carol)
    assert send(client, "patch", f"/targets/{target.pk}", {"amount": "1500", "version": 1}).status_code == 200
    response = send(client, "patch", f"/targets/{target.pk}", {"amount": "1700", "version": 1})
    assert response.status_code == 409
    target.refresh_from_db()
    assert target.amount == Decimal("1500.00")


def test_subject_and_period_cannot_be_patched(managers, set_target):
    target = set_target(managers.alice, 1000)
    response = send(api(managers.carol), "patch", f"/targets/{target.pk}", {"user_id": managers.bob.pk})
    assert response.status_code == 422
    target.refresh_from_db()
    assert target.user == managers.alice


def test_bulk(managers):
    c = managers
    body = {"user_ids": [c.alice.pk, c.bob.pk], "period_kind": "quarter", "year": 2025, "period_indexes": [1, 2, 3, 4],
            "metric": "received", "amount": "90000"}
    response = send(api(c.carol), "post", "/targets/bulk", body)
    assert response.status_code == 200 and response.json() == {"count": 8}
    response = send(api(c.carol), "post", "/targets/bulk", {**body, "user_ids": [c.alice.pk, c.dave.pk]})
    assert response.status_code == 400 and "user_ids" in response.json()["errors"]
    assert Target.objects.count() == 8


# -- bad input --


@pytest.mark.parametrize("change,status,field,message", [
    ({"amount": "-100"}, 400, "amount", "greater than zero"),
    ({"amount": "0"}, 400, "amount", "greater than zero"),
    ({"amount": "12.345"}, 400, "amount", "two decimal places"),
    ({"amount": "1e30"}, 400, "amount", "too large"),
    ({"amount": "lots"}, 422, "amount", ""),
    ({"amount": "NaN"}, 422, "amount", ""),
    ({"period_index": 13}, 400, "period_index", "Choose a month from 1 to 12."),
    ({"period_kind": "quarter", "period_index": 5}, 400, "period_index", "Choose a quarter from 1 to 4."),
    ({"year": 1850}, 400, "year", "Choose a year from 2000 to 2100."),
    ({"year": "2025年"}, 422, "year", ""),
    ({"metric": "<script>alert(1)</script>"}, 422, "metric", ""),
    ({"currency": "BTC"}, 422, "currency", ""),
    ({"department_id": 1}, 422, "__all__", "Choose either a person or a department."),
    ({"user_id": None}, 422, "__all__", "Choose either a person or a department."),
    ({"extra": "x" * 100_000}, 422, "extra", ""),
    ({"user_id": 2**70}, 422, "user_id", ""),
])
def test_bad_input_is_refused_clearly_and_writes_nothing(managers, change, status, field, message):
    response = send(api(managers.carol), "post", "/targets", new_target("user_id", managers.alice.pk, **change))
    assert response.status_code == status, response.json()
    body = response.json()
    assert field in body["errors"], body
    assert message in " ".join(body["errors"][field])
    assert not Target.objects.exists()


def test_bad_json_and_out_of_scope_subject(managers):
    client = api(managers.carol)
    assert send(client, "post", "/targets", b"{not json").status_code == 400
    response = send(client, "post", "/targets", new_target("user_id", managers.dave.pk))
    assert response.status_code == 400 and "user_id" in response.json()["errors"]
    assert not Target.objects.exists()


def test_the_list_filters_and_pages(managers, set_target):
    for month in range(1, 13):
        set_target(managers.alice, 1000 * month, index=month)
    set_target(managers.alice, 5, metric="received")
    client = api(managers.carol)
    first = client.get(f"{BASE}/targets", query(metric="signed", limit=5)).json()
    assert [t["period_index"] for t in first["items"]] == [1, 2, 3, 4, 5]
    rest = client.get(f"{BASE}/targets", query(metric="signed", limit=50, cursor=first["next_cursor"])).json()
    assert [t["period_index"] for t in rest["items"]] == list(range(6, 13)) and rest["next_cursor"] is None
    assert client.get(f"{BASE}/targets", {"period_index": 13}).status_code == 200  # nothing, not an error
    assert client.get(f"{BASE}/targets", {"cursor": "garbage"}).status_code == 400


def test_the_list_costs_the_same_queries_for_many_targets(managers, set_target, django_assert_max_num_queries):
    for month in range(1, 13):
        set_target(managers.alice, 1000, index=month)
        set_target(managers.sales1, 1000, index=month)
    client = api(managers.carol)
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/targets", {"limit": 200})
    assert len(response.json()["items"]) == 24


# -- progress --


def test_my_progress_defaults_to_this_month_quarter_and_year(managers, set_target):
    month, quarter, year = current_periods()
    set_target(managers.alice, 100_000, "month", month.year, month.index)
    set_target(managers.alice, 400_000, "year", year.year)
    set_target(managers.bob, 100_000, "month", month.year, month.index)
    make_contract(managers.alice, 25_000, dt.date.today())
    body = api(managers.alice).get(f"{BASE}/targets/progress/me").json()
    assert [(p["period"]["kind"], p["achieved"], p["percent"], p["reached"]) for p in body] == [
        ("month", "25000.00", "25.0", False), ("year", "25000.00", "6.3", False)]
    assert body[0]["period"]["start"] == month.start.isoformat()


def test_my_progress_for_a_named_period_and_bad_periods(managers, set_target):
    set_target(managers.alice, 100_000, "quarter", 2025, 1)
    make_contract(managers.alice, 30_000, dt.date(2025, 3, 31))
    client = api(managers.alice)
    body = client.get(f"{BASE}/targets/progress/me", query(period_kind="quarter", year=2025, period_index=1)).json()
    assert [(p["achieved"], p["percent"]) for p in body] == [("30000.00", "30.0")]
    response = client.get(f"{BASE}/targets/progress/me", query(period_kind="month", year=2025, period_index=13))
    assert response.status_code == 400 and "period_index" in response.json()["errors"]
    assert api(managers.erin).get(f"{BASE}/targets/progress/me").status_code == 403


def test_team_progress_is_ranked_within_the_scope(managers, set_target):
    c = managers
    for person, amount in [(c.alice, 100_000), (c.bob, 10_000), (c.dave, 1_000)]:
        set_target(person, amount)
        make_contract(person, 20_000, dt.date(2025, 3, 15))
    set_target(c.sales1, 500_000)
    ranked = query(period_kind="month", year=2025, period_index=3, metric="signed", subject="user")
    body = api(c.carol).get(f"{BASE}/targets/progress/team", ranked).json()
    assert [(p["target"]["user"]["name"], p["percent"]) for p in body] == [("李强", "200.0"), ("王芳", "20.0")]
    everyone = api(c.carol).get(f"{BASE}/targets/progress/team", {k: v for k, v in ranked.items()
                                                                   if k != "subject"}).json()
    assert {p["target"]["department"]["name"] for p in everyone if p["target"]["department"]} == {"销售一部"}
    assert [p["target"]["user"]["name"] for p in api(c.alice).get(
        f"{BASE}/targets/progress/team", ranked).json()] == ["王芳"]
