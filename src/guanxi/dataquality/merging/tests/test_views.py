"""The compare-and-merge page, the merge history with undo, and the block on the customer page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.core.system import SYSTEM
from guanxi.customers import services as customers
from guanxi.customers.models import Customer
from guanxi.dataquality.merging import services
from guanxi.dataquality.merging.choices import MergeStatus
from guanxi.dataquality.merging.models import MergeRecord

from .conftest import state

pytestmark = pytest.mark.django_db


def compare(*records, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in extra.items())
    return reverse("merging:compare") + f"?entity=customer&ids={','.join(str(r.pk) for r in records)}" + (
        f"&{query}" if query else "")


@pytest.fixture
def twins(company, make_customer, merge_right):
    merge_right(company.alice, company.carol)
    a = make_customer(company.alice, "杭州云栖科技有限公司", grade="A", region="浙江 杭州")
    b = make_customer(company.alice, "杭州云栖科技", phone="13812345678", region="浙江")
    customers.contact_create(actor=SYSTEM, customer=b, data={"name": "张伟"})
    return a, b


def test_compare_page_shows_differing_fields_defaults_and_what_moves(company, login, twins):
    a, b = twins
    page = login(company.alice).get(compare(a, b)).content.decode()

    assert 'name="field__name"' in page and 'name="field__region"' in page
    assert 'name="field__kind"' not in page  # the same on both: listed, not asked
    # The survivor's value by default; where it has none, the other's.
    assert f'name="field__region" value="{a.pk}" checked' in page
    assert f'name="field__phone" value="{b.pk}" checked' in page
    assert "138****5678" in page and "13812345678" not in page  # alice may not see phones unmasked
    assert "Contacts" in page and "What moves to the kept record" in page
    assert f'name="survivor" value="{a.pk}"' in page

    switched = login(company.alice).get(compare(a, b, survivor=b.pk)).content.decode()
    assert f'name="survivor" value="{b.pk}"' in switched
    assert f'name="field__region" value="{b.pk}" checked' in switched

    carol = login(company.carol).get(compare(a, b)).content.decode()
    assert "13812345678" in carol


def test_posting_the_form_merges_and_lands_on_the_survivor(company, login, twins):
    a, b = twins
    client = login(company.alice)
    response = client.post(reverse("merging:compare"), {
        "entity": "customer", "ids": f"{a.pk},{b.pk}", "survivor": a.pk,
        "field__name": b.pk, "field__region": a.pk, "field__phone": b.pk, "field__grade": a.pk,
    })
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[a.pk])
    a = Customer.objects.get(pk=a.pk)
    assert (a.name, a.region, a.phone, a.grade) == ("杭州云栖科技", "浙江 杭州", "13812345678", "A")
    assert Customer.objects.get(pk=b.pk).deleted_at is not None
    detail = client.get(response["Location"]).content.decode()
    assert "Merged 1 record into “杭州云栖科技”. You can undo this from the merge history." in detail
    assert reverse("customers:section", args=[a.pk, "merging"]) in detail
    block = client.get(reverse("customers:section", args=[a.pk, "merging"])).content.decode()
    assert "Merged from" in block and "杭州云栖科技" in block


def test_a_bad_choice_is_shown_on_the_page_and_nothing_is_merged(company, login, twins, make_customer):
    a, b = twins
    stranger = make_customer(company.alice, "别的公司")
    before = state()
    response = login(company.alice).post(reverse("merging:compare"), {
        "entity": "customer", "ids": f"{a.pk},{b.pk}", "survivor": a.pk, "field__name": stranger.pk,
        "field__nothing": a.pk,
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose one of the records being merged." in body and "This field cannot be chosen." in body
    assert state() == before and not MergeRecord.objects.exists()


@pytest.mark.parametrize("query", ["entity=planet&ids=1,2", "entity=customer&ids=abc", "entity=customer&ids=",
                                   "entity=customer&ids={a},{a}"])
def test_malformed_links_answer_a_clear_error_page(company, login, twins, query):
    a, _ = twins
    response = login(company.alice).get(reverse("merging:compare") + "?" + query.format(a=a.pk))
    assert response.status_code == 400
    assert "Cannot merge" in response.content.decode()


def test_merge_with_starts_from_one_record_and_finds_the_other(company, login, twins):
    a, b = twins
    client = login(company.alice)
    page = client.get(compare(a)).content.decode()
    assert "Merge “杭州云栖科技有限公司” with…" in page
    found = client.get(compare(a, q="云栖")).content.decode()
    assert compare(b).split("?")[0] in found and f"ids={a.pk}%2C{b.pk}" in found


@pytest.mark.parametrize("rows", [2, 20])
def test_compare_page_query_count_does_not_grow_with_linked_rows(company, login, make_customer, merge_right,
                                                                 django_assert_max_num_queries, rows):
    from guanxi.activities import services as activities

    merge_right(company.alice)
    a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司", region="浙江")
    tag = customers.tag_create(actor=SYSTEM, name="老客户")
    for i in range(rows):
        contact = customers.contact_create(actor=SYSTEM, customer=b, data={"name": f"联系人{i}"})
        activities.follow_up_create(actor=company.alice, customer=b, data={"content": f"第{i}次", "contact": contact})
    customers.customer_bulk_add_tag(actor=SYSTEM, ids=[a.pk, b.pk], tag=tag)
    client = login(company.alice)
    client.get(compare(a, b))
    with django_assert_max_num_queries(16):
        response = client.get(compare(a, b))
    assert response.status_code == 200
    assert f"<strong>{rows}</strong>" in response.content.decode()


def test_history_lists_merges_and_undoes_one(company, login, twins):
    a, b = twins
    before = state()
    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    client = login(company.alice)
    page = client.get(reverse("merging:list")).content.decode()
    assert "杭州云栖科技有限公司" in page and "杭州云栖科技" in page
    assert reverse("merging:undo", args=[merge.pk]) in page
    assert "Contacts: 1" in page

    response = client.post(reverse("merging:undo", args=[merge.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("merging:detail", args=[merge.pk])
    assert MergeRecord.objects.get().status == MergeStatus.UNDONE
    assert state() == before
    detail = client.get(response["Location"]).content.decode()
    assert "The merge was undone." in detail and "Undone" in detail
    again = client.post(reverse("merging:undo", args=[merge.pk]), follow=True).content.decode()
    assert "This merge was already undone." in again


def test_detail_page_says_what_an_undo_left_alone(company, login, twins):
    a, b = twins
    merge = services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    customers.customer_update(actor=company.alice, customer=Customer.objects.get(pk=a.pk), data={"phone": ""})
    client = login(company.alice)
    client.post(reverse("merging:undo", args=[merge.pk]))
    page = client.get(reverse("merging:detail", args=[merge.pk])).content.decode()
    assert "except for what changed since" in page
    assert "Fields of the kept record: phone" in page


@pytest.mark.parametrize("rows", [3, 25])
def test_history_query_count_does_not_grow(company, login, make_customer, merge_right, django_assert_max_num_queries,
                                           rows):
    merge_right(company.alice)
    for _ in range(rows):
        a, b = make_customer(company.alice, "甲公司"), make_customer(company.alice, "甲公司")
        services.merge_records(actor=company.alice, entity="customer", survivor=a, others=[b])
    client = login(company.alice)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("merging:list"))
    assert response.content.decode().count('class="btn">Undo</button>') == rows


def test_customer_page_offers_merge_with_only_to_those_who_may(company, login, twins):
    a, _ = twins
    block = reverse("customers:section", args=[a.pk, "merging"])
    alice = login(company.alice)
    assert block in alice.get(reverse("customers:detail", args=[a.pk])).content.decode()
    assert "Merge with…" in alice.get(block).content.decode()
    page = login(company.bob)
    customers.customer_set_collaborator(actor=SYSTEM, customer=a, user=company.bob, can_edit=True)
    assert block not in page.get(reverse("customers:detail", args=[a.pk])).content.decode()
    assert page.get(block).status_code == 404
