"""The planner's statistics of tables that bulk writes change faster than autovacuum analyses them.

PostgreSQL's autovacuum analyses a table some time after it changed. A big import can double a table
within that time; until then its lookups are planned with missing or stale statistics. Without any, an
index lookup of 1,000 phones looks like reading the whole table and is planned as a sequential scan
(48 ms a chunk at 33,000 customers instead of 2 ms). Once a column has statistics its estimates scale
with the table's size, so one analysis after a table has grown a lot is enough. SQLite's planner uses
its indexes without statistics; nothing is done there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models

# A table is analysed again once as many rows changed as it had (it doubled, say) since its last analysis.
STALE_SHARE = 1.0


def refresh_statistics(lookups: Iterable[tuple[type[models.Model], Iterable[str]]]) -> list[str]:
    """ANALYZE the given columns (model field names; none: every column) of the tables whose statistics
    are missing or stale; returns the tables analysed. Only the named columns: some columns carry a
    large statistics target (the customers' search vector) that makes a whole-table analysis slow."""
    if connection.vendor != "postgresql":
        return []
    wanted = {model._meta.db_table: (model, list(fields)) for model, fields in lookups}
    if not wanted:
        return []
    quote = connection.ops.quote_name
    analysed = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup, n_mod_since_analyze, COALESCE(last_analyze, last_autoanalyze) "
            "FROM pg_stat_user_tables WHERE relname = ANY(%s)", [list(wanted)])
        for table, live, modified, last in cursor.fetchall():
            if last is not None and modified <= STALE_SHARE * max(live, 1):
                continue
            model, fields = wanted[table]
            columns = ", ".join(quote(str(getattr(model._meta.get_field(f), "column", f))) for f in fields)
            cursor.execute(f"ANALYZE {quote(table)}" + (f" ({columns})" if columns else ""))
            analysed.append(table)
    return sorted(analysed)
