"""Who may merge and unmerge what: the merge right plus edit reach on every record, for the service, the pages
and the API alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.core.errors import DomainError
from guanxi.core.system import SYSTEM
from guanxi.customers import services as customers
from guanxi.dataquality.merging import services

from .conftest import send

pytestmark = pytest.mark.django_db

# Two of alice's customers; everyone but bob holds the merge right (erin holds nothing else).
EXPECTED = {"alice": "merged", "bob": 403, "carol": "merged", "dave": 404, "erin": 404, "root": "merged"}


@pytest.fixture
def rights(company, merge_right):
    merge_right(company.alice, company.carol, company.dave, company.erin)


def _outcome(service, **kwargs) -> object:
    try:
        service(**kwargs)
    except DomainError as exc:
        return exc.status
    return "merged"


def test_service_matrix(company, make_customer, rights):
    outcomes = {}
    for name, user in company.cast().items():
        a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
        outcomes[name] = _outcome(services.merge_records, actor=user, entity="customer", survivor=a,
                                                                 others=[b])
    assert outcomes == EXPECTED


def test_a_colleague_with_the_merge_right_gets_404_and_without_it_403(company, make_customer, merge_right):
    a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
    mine = make_customer(company.bob, "甲公司")
    assert _outcome(services.merge_records, actor=company.bob, entity="customer", survivor=mine,
                                                   others=[a]) == 403
    merge_right(company.bob)
    assert _outcome(services.merge_records, actor=company.bob, entity="customer", survivor=mine,
                                                   others=[a]) == 404
    assert _outcome(services.merge_records, actor=company.alice, entity="customer", survivor=a,
                                                   others=[b]) == 403  # alice has no merge right yet
    merge_right(company.alice)
    assert _outcome(services.merge_records, actor=company.alice, entity="customer", survivor=a,
                                                   others=[b]) == "merged"


def test_a_read_only_team_member_may_not_merge(company, make_customer, merge_right):
    merge_right(company.alice)
    mine = make_customer(company.alice, "甲公司")
    shared = make_customer(company.bob, "甲公司")
    customers.customer_set_collaborator(actor=SYSTEM, customer=shared, user=company.alice, can_edit=False)
    assert _outcome(services.merge_records, actor=company.alice, entity="customer", survivor=mine,
                                                   others=[shared]) == 403
    customers.customer_set_collaborator(actor=SYSTEM, customer=shared, user=company.alice, can_edit=True)
    assert _outcome(services.merge_records, actor=company.alice, entity="customer", survivor=mine,
                                                   others=[shared]) == "merged"


def test_undo_matrix(company, make_customer, rights):
    outcomes = {}
    for name, user in company.cast().items():
        a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
        merge = services.merge_records(actor=SYSTEM, entity="customer", survivor=a, others=[b])
        outcomes[name] = _outcome(services.merge_undo, actor=user, merge=merge)
    assert outcomes == EXPECTED


def _status(response) -> object:
    return "merged" if response.status_code == 302 else response.status_code


def test_compare_page_matrix(company, client, make_customer, rights):
    a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
    url = reverse("merging:compare") + f"?entity=customer&ids={a.pk},{b.pk}"
    seen = {}
    for name, user in company.cast().items():
        client.force_login(user)
        seen[name] = client.get(url).status_code
    assert seen == {name: 200 if outcome == "merged" else outcome for name, outcome in EXPECTED.items()}


def test_merge_by_page_matrix(company, client, make_customer, rights):
    seen = {}
    for name, user in company.cast().items():
        a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
        client.force_login(user)
        seen[name] = _status(client.post(reverse("merging:compare"),
                                         {"entity": "customer", "ids": f"{a.pk},{b.pk}", "survivor": a.pk}))
    assert seen == EXPECTED


def test_history_and_undo_pages_matrix(company, client, make_customer, rights):
    listed, undone = {}, {}
    for name, user in company.cast().items():
        a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
        merge = services.merge_records(actor=SYSTEM, entity="customer", survivor=a, others=[b])
        client.force_login(user)
        page = client.get(reverse("merging:list"))
        listed[name] = page.status_code if page.status_code != 200 else (
            reverse("merging:detail", args=[merge.pk]) in page.content.decode())
        undone[name] = _status(client.post(reverse("merging:undo", args=[merge.pk])))
    assert listed == {"alice": True, "bob": 403, "carol": True, "dave": False, "erin": False, "root": True}
    assert undone == EXPECTED


def test_api_matrix(company, api, make_customer, rights):
    created = {}
    for name, user in company.cast().items():
        a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
        response = send(api(user), "post", "/merges", {"entity": "customer", "survivor_id": a.pk,
                                                       "other_ids": [b.pk]})
        created[name] = "merged" if response.status_code == 201 else response.status_code
    assert created == EXPECTED


def test_contact_merge_matrix(company, make_customer, rights):
    outcomes = {}
    for name, user in company.cast().items():
        customer = make_customer(company.alice, "甲公司")
        one, two = (customers.contact_create(actor=SYSTEM, customer=customer, data={"name": "张伟"}) for _ in "12")
        outcomes[name] = _outcome(services.merge_records, actor=user, entity="contact", survivor=one, others=[two])
    assert outcomes == EXPECTED
