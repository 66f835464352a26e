"""The CSV / Excel buttons on every list page: they carry the page's current filters, and show only
to users who may export that list."""

from __future__ import annotations

import html

import pytest

from guanxi.core.testing import SELLER_ACTIONS
from guanxi.org.models import Role

pytestmark = pytest.mark.django_db

PAGES = [
    ("/customers/?grade=A&cursor=abc", "customers", "grade=A"),
    ("/customers/contacts/?q=李", "contacts", "q=%E6%9D%8E"),
    ("/activities/?kind=call", "follow_ups", "kind=call"),
    ("/leads/?status=new", "leads", "status=new"),
    ("/leads/pool/", "leads", "scope=pool"),
    ("/opportunities/list/?status=open", "opportunities", "status=open"),
    ("/quotes/?status=draft", "quotes", "status=draft"),
    ("/contracts/?status=draft", "contracts", "status=draft"),
    ("/contracts/receivables/?mine=1", "receivables", "mine=1"),
    ("/products/?status=all", "products", "status=all"),
]


@pytest.mark.parametrize(("url", "name", "query"), PAGES)
def test_the_buttons_carry_the_current_filters(login, company, url, name, query):
    response = login(company.alice).get(url)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f'action="/exports/{name}/?{query}"' in page
    assert 'name="format" value="csv"' in page and 'name="format" value="xlsx"' in page
    assert "cursor=" not in page.split(f'action="/exports/{name}/')[1].split('"')[0]


@pytest.mark.parametrize(("url", "name", "query"), PAGES)
def test_the_buttons_follow_the_filters_in_an_htmx_update(login, company, url, name, query):
    response = login(company.alice).get(url, headers={"HX-Request": "true", "HX-Target": "results"})
    assert response.status_code == 200
    assert f'action="/exports/{name}/?{query}"' in html.unescape(response.content.decode())


@pytest.mark.parametrize(("url", "name", "query"), PAGES)
def test_no_buttons_without_the_export_action(login, company, url, name, query):
    viewer = Role.objects.create(name="只读", actions=[a for a in SELLER_ACTIONS if not a.endswith(".export")],
                                 scopes=company.seller_role.scopes)
    company.bob.roles.set([viewer])
    response = login(company.bob).get(url)
    assert response.status_code == 200
    assert "/exports/" not in response.content.decode()
