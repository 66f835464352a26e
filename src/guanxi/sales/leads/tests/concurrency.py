"""Running the same service from several threads at once, each on its own database connection."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import OperationalError, connection, connections

# The SQLite test database is shared-cache in-memory: a write meeting another answers "table is
# locked" at once, where a file database (what Guanxi runs on) waits out its busy timeout. The
# retry stands in for that wait; PostgreSQL never needs it.
RETRIES = 200


def _with_busy_wait(fn: Callable, *args):
    for _attempt in range(RETRIES):
        try:
            return fn(*args)
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            time.sleep(0.005)
    raise AssertionError("the database stayed locked")


def at_once(fn: Callable, calls: list[tuple]) -> list:
    """Start `fn(*args)` for every args tuple together; return each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int, args: tuple) -> None:
        try:
            barrier.wait()
            results[i] = _with_busy_wait(fn, *args)
        except Exception as exc:  # the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, args)) for i, args in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
