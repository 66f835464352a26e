"""Writing generated rows fast: executemany on SQLite, COPY on PostgreSQL.

Only the demo loader uses this path; every row it writes was built by `generate` with the
values the services would store. Full-text index triggers fire as for any insert.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

Convert = Callable[[Any], Any]


def _sqlite_datetime(value: dt.datetime) -> str:
    # What Django's SQLite backend stores: naive UTC in ISO form.
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def _json(value: Any) -> str:
    return json.dumps(value)


def converters(model: type[models.Model], columns: list[str]) -> list[Convert | None]:
    """How each column's Python value becomes what the database stores (None: as it is).

    The same conversions Django's backends make, without its per-value dispatch: the demo
    writes millions of rows.
    """
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    sqlite = connection.vendor == "sqlite"
    out: list[Convert | None] = []
    for column in columns:
        f = by_attname[column]
        if isinstance(f, models.JSONField):
            out.append(_json)
        elif isinstance(f, models.DateTimeField) and sqlite:
            out.append(_sqlite_datetime)
        elif isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField) and sqlite:
            out.append(dt.date.isoformat)
        else:
            out.append(None)
    return out


def prepare(rows: Iterable[tuple], convert: list[Convert | None]) -> list[tuple]:
    active = [(i, c) for i, c in enumerate(convert) if c is not None]
    out = []
    for row in rows:
        values = list(row)
        for i, c in active:
            if values[i] is not None:
                values[i] = c(values[i])
        out.append(tuple(values))
    return out


def insert(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """Write rows already passed through `prepare`."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    by_attname = {f.attname: str(f.column) for f in model._meta.concrete_fields}
    names = ", ".join(connection.ops.quote_name(by_attname[c]) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)


def reset_sequences(models_with_ids: list[type[models.Model]]) -> None:
    """After rows were written with explicit ids, the next id the database hands out follows them."""
    statements = connection.ops.sequence_reset_sql(no_style(), models_with_ids)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def next_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes on `table` that back no constraint."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                           "AND sql IS NOT NULL", [table])
        else:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
                [table],
            )
        return list(cursor.fetchall())


@contextmanager
def indexes_deferred(tables: list[str]):
    """Load into bare tables and build their indexes once at the end: much faster for millions of
    rows than updating every index row by row. The indexes come back even if loading fails."""
    from guanxi.customers import search

    saved = [index for table in tables for index in _secondary_indexes(table)]
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        search.uninstall(connection)  # the full-text table is refilled in one go at the end
    with connection.cursor() as cursor:
        for name, _definition in saved:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, definition in saved:
                if not (sqlite and name in search.INDEX_NAMES):
                    cursor.execute(definition)
        search.install(connection)
