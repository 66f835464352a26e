"""Keyset paging: every row exactly once across pages, ties broken by id, bad cursors refused."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core.errors import DomainError
from guanxi.core.paging import bounded_count, keyset_page
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db


def _walk(qs, ordering, limit):
    seen: list[int] = []
    cursor = None
    while True:
        page = keyset_page(qs, ordering, cursor, limit)
        seen.extend(c.pk for c in page.items)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("ordering", [["-id"], ["id"], ["name", "id"], ["-name", "-id"], ["-updated_at", "-id"]])
def test_walking_all_pages_returns_every_row_once_in_order(ordering):
    names = ["乙", "甲", "甲", "丙", "甲", "乙", "Zeta", "alpha", "甲"]
    for n in names:
        Customer.objects.create(name=n)
    expected = list(Customer.objects.order_by(*ordering).values_list("pk", flat=True))
    for limit in (1, 2, 4, 50):
        assert _walk(Customer.objects.all(), ordering, limit) == expected


@settings(max_examples=25, deadline=None)
@given(cursor=st.text(max_size=200))
def test_any_garbage_cursor_is_a_clear_error(cursor):
    try:
        keyset_page(Customer.objects.all(), ["name", "id"], cursor, 10)
    except DomainError as exc:
        assert exc.code == "invalid_cursor"


def test_bounded_count_stops_at_the_limit():
    for i in range(7):
        Customer.objects.create(name=f"c{i}")
    assert bounded_count(Customer.objects.all(), limit=5) == (5, True)
    assert bounded_count(Customer.objects.all(), limit=10) == (7, False)
