"""Planner statistics after bulk writes: PostgreSQL tables without statistics are analysed, on the named
columns only; SQLite is left to its own planner."""

from __future__ import annotations

import pytest
from django.db import connection

from guanxi.core.statistics import refresh_statistics
from guanxi.customers.models import Tag

pytestmark = pytest.mark.django_db


def last_analysed(table: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_a_table_without_statistics_is_analysed_on_the_named_columns():
    Tag.objects.bulk_create([Tag(name=f"标签{i}") for i in range(200)])
    table = Tag._meta.db_table
    if connection.vendor != "postgresql":
        assert refresh_statistics([(Tag, ("name",))]) == []
        return
    with connection.cursor() as cursor:
        # As on a new installation: no analysis yet, whatever earlier tests left.
        cursor.execute("SELECT pg_stat_reset_single_table_counters(%s::regclass)", [table])
    assert last_analysed(table) is None
    assert refresh_statistics([(Tag, ("name",))]) == [table]
    assert last_analysed(table) is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_distinct FROM pg_stats WHERE tablename = %s AND attname = 'name'", [table])
        assert cursor.fetchone()[0] == -1  # 200 different names: the 200 rows of this test were read


def test_nothing_asked_nothing_done():
    assert refresh_statistics([]) == []
