"""The contracts and receivables API: permission matrix, bad input, conflicts, paging and query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from guanxi.core.models import AuditEvent
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.sales.contracts import services
from guanxi.sales.contracts.models import Contract, Instalment, Payment

from .conftest import API, api, days, send, today

pytestmark = pytest.mark.django_db

D = Decimal
MANAGERS_ONLY = {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def _plan(contract, amount="100", due=30):
    return services.instalment_create(actor=contract.owner, contract=contract,
                                      data={"due_on": days(due), "amount": D(amount)})


def _pay(actor, contract, amount, instalment=None):
    return services.payment_record(actor=actor, contract=contract, data={
        "amount": D(amount), "received_on": today(), "instalment": instalment})


# -- contracts --


def test_list_and_detail_matrix(company, make_contract):
    contract = make_contract(company.alice)
    lists = {name: api(u).get(f"{API}/contracts") for name, u in company.cast().items()}
    assert {n: r.status_code == 200 and contract.pk in ids(r) for n, r in lists.items()} == ALICE_RECORD_VISIBLE
    assert lists["erin"].status_code == 403
    statuses = {n: api(u).get(f"{API}/contracts/{contract.pk}").status_code for n, u in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}


def test_create_returns_the_contract_with_money_as_strings(company, make_customer):
    customer = make_customer(company.alice)
    response = send(api(company.carol), "post", "/contracts", {
        "title": "API 合同", "customer_id": customer.pk, "amount": "250000.5", "currency": "USD",
        "starts_on": "2026-01-01", "ends_on": "2026-12-31", "owner_id": company.alice.pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("HT-") and body["status"] == "draft"
    assert body["amount"] == "250000.50" and body["received_amount"] == "0.00" and body["outstanding"] == "250000.50"
    assert body["owner"]["username"] == "alice" and body["customer"]["id"] == customer.pk
    assert body["attachments"] == []


@pytest.mark.parametrize("body,field", [
    ({"title": "", "amount": "1"}, "title"),
    ({"title": "x" * 201, "amount": "1"}, "title"),
    ({"title": "合同", "amount": "-1"}, "amount"),
    ({"title": "合同", "amount": "1.001"}, "amount"),
    ({"title": "合同", "amount": 1e30}, "amount"),
    ({"title": "合同", "amount": "abc"}, "amount"),
    ({"title": "合同", "amount": "1", "currency": "XXX"}, "currency"),
    ({"title": "合同", "amount": "1", "ends_on": "2026-02-30"}, "ends_on"),
    ({"title": "合同", "amount": "1", "notes": "x" * 10_001}, "notes"),
    ({"title": "合\x00同", "amount": "1"}, "title"),
    ({"title": "合同", "amount": "1", "evil": 1}, "evil"),
])
def test_bad_input_is_refused_with_a_field_error(company, make_customer, body, field):
    customer = make_customer(company.alice)
    response = send(api(company.alice), "post", "/contracts", {"customer_id": customer.pk, **body})
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert not Contract.objects.exists()


def test_end_before_start_and_foreign_customer_are_400(company, make_customer):
    mine = make_customer(company.alice)
    daves = make_customer(company.dave, "赵磊的客户")
    client = api(company.alice)
    dates = send(client, "post", "/contracts", {"title": "合同", "customer_id": mine.pk, "amount": "1",
                                                "starts_on": "2026-05-02", "ends_on": "2026-05-01"})
    assert dates.status_code == 400 and "ends_on" in dates.json()["errors"]
    foreign = send(client, "post", "/contracts", {"title": "合同", "customer_id": daves.pk, "amount": "1"})
    assert foreign.status_code == 400 and "customer_id" in foreign.json()["errors"]
    assert not Contract.objects.exists()


def test_update_matrix_and_stale_version(company, make_contract):
    contract = make_contract(company.alice)

    def can_update(user):
        return send(api(user), "patch", f"/contracts/{contract.pk}", {"notes": user.username}).status_code == 200

    assert_matrix(company, can_update, ALICE_RECORD_VISIBLE)
    stale = send(api(company.alice), "patch", f"/contracts/{contract.pk}", {"title": "旧", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert Contract.objects.get().title == "年度服务合同"


def test_signed_terms_cannot_change_through_the_api(company, make_contract):
    contract = make_contract(company.alice, active=True)
    response = send(api(company.alice), "patch", f"/contracts/{contract.pk}", {"amount": "5"})
    assert response.status_code == 400 and response.json()["code"] == "not_draft"
    assert "amount" in response.json()["errors"]


def test_submit_terminate_and_delete(company, make_contract):
    contract = make_contract(company.alice)
    client = api(company.alice)
    submitted = send(client, "post", f"/contracts/{contract.pk}/submit", {"comment": ""})
    assert submitted.status_code == 200 and submitted.json()["status"] == "active"
    terminated = send(client, "post", f"/contracts/{contract.pk}/terminate", {"reason": "客户业务调整"})
    assert terminated.status_code == 200 and terminated.json()["status"] == "terminated"
    refused = send(api(company.carol), "delete", f"/contracts/{contract.pk}")
    assert refused.status_code == 400 and refused.json()["code"] == "not_draft"
    draft = make_contract(company.alice)
    assert send(api(company.alice), "delete", f"/contracts/{draft.pk}").status_code == 403
    assert send(api(company.carol), "delete", f"/contracts/{draft.pk}").status_code == 204
    assert list(Contract.objects.values_list("pk", flat=True)) == [contract.pk]


def test_list_filters_and_cursor_paging(company, make_contract, make_customer):
    customer = make_customer(company.alice)
    for i in range(5):
        make_contract(company.alice, amount=str(1000 + i), customer=customer, active=i < 2, ends_on=days(10 + i))
    client = api(company.alice)
    first = client.get(f"{API}/contracts", {"limit": "3", "sort": "-amount"})
    second = client.get(f"{API}/contracts", {"limit": "3", "sort": "-amount",
                                             "cursor": str(first.json()["next_cursor"])})
    amounts = [c["amount"] for c in first.json()["items"] + second.json()["items"]]
    assert amounts == ["1004.00", "1003.00", "1002.00", "1001.00", "1000.00"]
    assert second.json()["next_cursor"] is None
    ending = client.get(f"{API}/contracts", {"ending_within": 10})
    assert [c["amount"] for c in ending.json()["items"]] == ["1000.00"]
    assert ending.json()["items"][0]["days_left"] == 10
    bad = client.get(f"{API}/contracts", {"status": "bogus", "ending_within": "-1"})
    assert bad.status_code == 422
    broken = client.get(f"{API}/contracts", {"cursor": "nonsense"})
    assert broken.status_code == 400 and broken.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("rows", [3, 25])
def test_list_query_count_is_flat(company, make_contract, make_customer, won_opportunity, accepted_quote,
                                 django_assert_max_num_queries, rows):
    for i in range(rows):
        owner = company.alice if i % 2 else company.bob
        customer = make_customer(owner, f"客户{i}")
        deal = won_opportunity(owner, customer)
        make_contract(owner, amount="10", customer=customer, opportunity=deal,
                      quote=accepted_quote(owner, customer, opportunity=deal))
    client = api(company.carol)
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/contracts")
    assert len(response.json()["items"]) == rows


# -- instalments --


def test_instalment_crud_and_plan_limit(company, make_contract):
    contract = make_contract(company.alice, amount="1000")
    client = api(company.alice)
    first = send(client, "post", f"/contracts/{contract.pk}/instalments", {"due_on": "2026-03-01", "amount": "600"})
    assert first.status_code == 201 and first.json()["sequence"] == 1
    over = send(client, "post", f"/contracts/{contract.pk}/instalments", {"due_on": "2026-06-01", "amount": "400.01"})
    assert over.status_code == 400 and over.json()["code"] == "plan_exceeds_amount"
    assert "amount" in over.json()["errors"]
    patched = send(client, "patch", f"/instalments/{first.json()['id']}", {"amount": "1000"})
    assert patched.status_code == 200 and patched.json()["amount"] == "1000.00"
    listed = client.get(f"{API}/contracts/{contract.pk}/instalments").json()
    assert [i["amount"] for i in listed] == ["1000.00"]
    assert send(client, "delete", f"/instalments/{first.json()['id']}").status_code == 204
    assert not Instalment.objects.exists()


def test_instalment_matrix(company, make_contract):
    contract = make_contract(company.alice, amount="100000")

    def can_add(user):
        response = send(api(user), "post", f"/contracts/{contract.pk}/instalments",
                        {"due_on": "2026-03-01", "amount": "1"})
        return response.status_code == 201

    assert_matrix(company, can_add, ALICE_RECORD_VISIBLE)


@pytest.mark.parametrize("body,field", [({"due_on": "2026-03-01", "amount": "0"}, "amount"),
                                        ({"due_on": "2026-03-01", "amount": "-3"}, "amount"),
                                        ({"due_on": "3026-03-01", "amount": "3"}, "due_on"),
                                        ({"due_on": "2026-03-01", "amount": "3", "sequence": 0}, "sequence"),
                                        ({"due_on": "2026-03-01", "amount": "3", "received_amount": "3"},
                                         "received_amount")])
def test_bad_instalment_input(company, make_contract, body, field):
    contract = make_contract(company.alice)
    response = send(api(company.alice), "post", f"/contracts/{contract.pk}/instalments", body)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert not Instalment.objects.exists()


# -- payments --


def test_record_payment_matrix(company, make_contract):
    contract = make_contract(company.alice, active=True)

    def can_pay(user):
        response = send(api(user), "post", f"/contracts/{contract.pk}/payments",
                        {"amount": "1", "received_on": today().isoformat()})
        return response.status_code == 201

    assert_matrix(company, can_pay, MANAGERS_ONLY)
    contract.refresh_from_db()
    assert contract.received_amount == D("2")


def test_payment_against_an_instalment_overpay_and_reverse(company, make_contract):
    contract = make_contract(company.alice, amount="1000", active=True)
    instalment = _plan(contract, "300")
    client = api(company.carol)
    paid = send(client, "post", f"/contracts/{contract.pk}/payments", {
        "instalment_id": instalment.pk, "amount": "200", "received_on": today().isoformat(), "method": "alipay",
        "reference": "2026112500001"})
    assert paid.status_code == 201, paid.json()
    assert paid.json()["instalment_id"] == instalment.pk and paid.json()["recorded_by"]["username"] == "carol"
    over = send(client, "post", f"/contracts/{contract.pk}/payments", {
        "instalment_id": instalment.pk, "amount": "100.01", "received_on": today().isoformat()})
    assert over.status_code == 400 and over.json()["code"] == "overpayment"
    other = make_contract(company.alice, active=True)
    foreign = send(client, "post", f"/contracts/{other.pk}/payments", {
        "instalment_id": instalment.pk, "amount": "1", "received_on": today().isoformat()})
    assert foreign.status_code == 400 and "instalment_id" in foreign.json()["errors"]
    reversed_ = send(client, "post", f"/payments/{paid.json()['id']}/reverse", {"reason": "录错"})
    assert reversed_.status_code == 200 and reversed_.json()["reversed_by"]["username"] == "carol"
    twice = send(client, "post", f"/payments/{paid.json()['id']}/reverse", {"reason": "再来"})
    assert twice.status_code == 409 and twice.json()["code"] == "already_reversed"
    instalment.refresh_from_db()
    assert instalment.received_amount == 0
    assert AuditEvent.objects.filter(action="payment.reversed").count() == 1


@pytest.mark.parametrize("body,field", [({"amount": "0"}, "amount"), ({"amount": "-1"}, "amount"),
                                        ({"amount": "1", "method": "bitcoin"}, "method"),
                                        ({"amount": "1", "reference": "x" * 101}, "reference"),
                                        ({"amount": True}, "amount"), ({"amount": [1]}, "amount")])
def test_bad_payment_input(company, make_contract, body, field):
    contract = make_contract(company.alice, active=True)
    response = send(api(company.carol), "post", f"/contracts/{contract.pk}/payments",
                    {"received_on": today().isoformat(), **body})
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert not Payment.objects.exists()


def test_payment_list_shows_a_seller_only_own_contracts(company, make_contract):
    alices = make_contract(company.alice, active=True)
    bobs = make_contract(company.bob, active=True)
    mine = _pay(company.carol, alices, "10")
    theirs = _pay(company.carol, bobs, "20")
    seen = {name: set(ids(api(u).get(f"{API}/payments"))) for name, u in company.cast().items() if name != "erin"}
    assert seen == {"alice": {mine.pk}, "bob": {theirs.pk}, "carol": {mine.pk, theirs.pk}, "dave": set(),
                    "root": {mine.pk, theirs.pk}}
    assert send(api(company.bob), "post", f"/payments/{mine.pk}/reverse", {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("rows", [3, 25])
def test_payment_list_query_count_is_flat(company, make_contract, django_assert_max_num_queries, rows):
    contract = make_contract(company.alice, amount="100000", active=True)
    for i in range(rows):
        instalment = _plan(contract, "10", due=i)
        _pay(company.carol, contract, "10", instalment)
    client = api(company.carol)
    with django_assert_max_num_queries(5):
        response = client.get(f"{API}/payments", {"contract": contract.pk})
    assert len(response.json()["items"]) == rows


# -- receivables --


def test_overdue_list_and_matrix(company, make_contract):
    contract = make_contract(company.alice, amount="10000", active=True)
    late = _plan(contract, "1000", due=-7)
    _pay(company.carol, contract, "250", late)
    _plan(contract, "1000", due=7)

    def sees(user):
        response = api(user).get(f"{API}/receivables/overdue")
        return response.status_code == 200 and ids(response) == [late.pk]

    assert_matrix(company, sees, ALICE_RECORD_VISIBLE)
    item = api(company.alice).get(f"{API}/receivables/overdue").json()["items"][0]
    assert item["days_overdue"] == 7 and item["outstanding"] == "750.00"
    assert item["customer"]["id"] == contract.customer_id and item["owner"]["username"] == "alice"


@pytest.mark.parametrize("rows", [3, 25])
def test_overdue_query_count_is_flat(company, make_contract, django_assert_max_num_queries, rows):
    for i in range(rows):
        contract = make_contract(company.alice if i % 2 else company.bob, amount="1000", active=True)
        _plan(contract, "10", due=-1 - i)
    client = api(company.carol)
    with django_assert_max_num_queries(5):
        response = client.get(f"{API}/receivables/overdue")
    assert len(response.json()["items"]) == rows


def test_customer_balance_per_currency(company, make_contract, make_customer):
    customer = make_customer(company.alice)
    cny = make_contract(company.alice, amount="1000", active=True, customer=customer)
    make_contract(company.alice, amount="400", active=True, customer=customer, currency="USD")
    make_contract(company.alice, amount="99999", customer=customer)  # a draft is not receivable yet
    _plan(cny, "600", due=-3)
    _pay(company.carol, cny, "100")
    response = api(company.alice).get(f"{API}/customers/{customer.pk}/receivables")
    assert response.status_code == 200
    assert response.json() == [
        {"currency": "CNY", "contracts": 1, "contracted": "1000.00", "received": "100.00", "outstanding": "900.00",
         "overdue": "600.00"},
        {"currency": "USD", "contracts": 1, "contracted": "400.00", "received": "0.00", "outstanding": "400.00",
         "overdue": "0.00"},
    ]
    assert api(company.dave).get(f"{API}/customers/{customer.pk}/receivables").status_code == 404
    assert api(company.erin).get(f"{API}/customers/{customer.pk}/receivables").status_code == 403
