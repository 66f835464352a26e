"""Blocks other apps add to the customer page, inline or loaded once they scroll into view."""

import pytest
from django.urls import reverse

from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers.views import detail


@pytest.fixture
def lazy_block(tmp_path, settings):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "lazy_block.html").write_text(
        '<section class="card" id="lazy-block">Open deals of {{ section.name }}: {{ section.count }}</section>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], templates]}]
    calls = []

    def context(request, customer):
        calls.append(customer.pk)
        return {"name": customer.name, "count": 3}

    detail.register_detail_section("lazy-block", "lazy_block.html", context, lazy=True, title="Deals")
    yield calls
    detail._SECTIONS.pop("lazy-block")


def test_a_lazy_block_is_a_placeholder_on_the_page_and_renders_on_its_own(company, login, make_customer, lazy_block):
    customer = make_customer(company.alice, "杭州云栖科技有限公司")
    client = login(company.alice)

    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    url = reverse("customers:section", args=[customer.pk, "lazy-block"])
    assert f'hx-get="{url}"' in page and "Deals" in page
    assert lazy_block == []  # the page itself did not build the block

    block = client.get(url).content.decode()
    assert "Open deals of 杭州云栖科技有限公司: 3" in block
    assert lazy_block == [customer.pk]


def test_a_lazy_block_follows_the_customer_scope(company, client, make_customer, lazy_block):
    customer = make_customer(company.alice)
    url = reverse("customers:section", args=[customer.pk, "lazy-block"])

    def sees(user):
        client.force_login(user)
        return client.get(url).status_code == 200

    assert_matrix(company, sees, ALICE_RECORD_VISIBLE)


def test_an_unknown_block_is_not_found(company, login, make_customer):
    customer = make_customer(company.alice)
    response = login(company.alice).get(reverse("customers:section", args=[customer.pk, "nothing-here"]))
    assert response.status_code == 404
