"""A real Huey consumer for tests of background work: the configured queue (Redis when named, else
a SQLite file of its own) and consumer threads, with a queue of the ids of finished tasks, so a test
reads the database only once the worker is done (SQLite's shared in-memory test database cannot be
read and written from two threads at once)."""

from __future__ import annotations

import os
import queue
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from huey.contrib.djhuey import HUEY
from huey.signals import SIGNAL_COMPLETE
from huey.storage import RedisStorage, SqliteStorage


@contextmanager
def real_consumer(workers: int = 1) -> Iterator[queue.Queue[str]]:
    redis_url = os.environ.get("GUANXI_REDIS_URL")
    name = f"guanxi-test-{uuid.uuid4().hex[:8]}"
    path = f"/tmp/{name}.sqlite3"
    storage = RedisStorage(name, url=redis_url) if redis_url else SqliteStorage(name, filename=path)
    saved = HUEY.storage
    HUEY.immediate = False
    HUEY.storage = storage
    finished: queue.Queue[str] = queue.Queue()

    @HUEY.signal(SIGNAL_COMPLETE)
    def completed(signal, task, *args, **kwargs):
        finished.put(task.id)

    consumer = HUEY.create_consumer(workers=workers, worker_type="thread", periodic=False, initial_delay=0.05,
                                    max_delay=0.2)
    consumer.start()
    try:
        yield finished
    finally:
        consumer.stop(graceful=True)
        HUEY.disconnect_signal(completed, SIGNAL_COMPLETE)
        storage.flush_all()
        HUEY.storage = saved
        HUEY.immediate = True
        if not redis_url:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)


def wait_for(finished: queue.Queue[str], count: int) -> None:
    """Until `count` more tasks have finished (30 s each at most)."""
    for _task in range(count):
        finished.get(timeout=30)
