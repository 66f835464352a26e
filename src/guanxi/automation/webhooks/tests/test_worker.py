"""A real Huey consumer on the real queue (a SQLite file, or Redis when GUANXI_REDIS_URL is set) sends the
deliveries of a saved customer, and sends one delivery once even when its task is queued twice."""

from __future__ import annotations

import json
import os
import queue
import uuid

import pytest
from django.db import transaction
from huey.contrib.djhuey import HUEY
from huey.signals import SIGNAL_COMPLETE
from huey.storage import RedisStorage, SqliteStorage

from guanxi.automation.webhooks import services
from guanxi.automation.webhooks.choices import DeliveryStatus
from guanxi.automation.webhooks.models import Delivery
from guanxi.automation.webhooks.tasks import send_delivery
from guanxi.customers import services as customer_services


@pytest.fixture
def real_queue():
    """The configured queue and a consumer thread; yields a queue of finished task ids, so the test reads the
    database only once the worker is done (SQLite's shared in-memory test database is one connection's)."""
    redis_url = os.environ.get("GUANXI_REDIS_URL")
    name = f"guanxi-webhooks-test-{uuid.uuid4().hex[:8]}"
    storage = RedisStorage(name, url=redis_url) if redis_url else SqliteStorage(name, filename=f"/tmp/{name}.sqlite3")
    saved = HUEY.storage
    HUEY.immediate = False
    HUEY.storage = storage
    finished: queue.Queue[str] = queue.Queue()

    @HUEY.signal(SIGNAL_COMPLETE)
    def completed(signal, task, *args, **kwargs):
        finished.put(task.id)

    # Two workers race for the same deliveries on PostgreSQL; SQLite's in-memory test database takes one.
    workers = 2 if os.environ.get("GUANXI_TEST_DATABASE_URL") else 1
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
                if os.path.exists(f"/tmp/{name}.sqlite3{suffix}"):
                    os.remove(f"/tmp/{name}.sqlite3{suffix}")


def _wait_for(finished: queue.Queue, count: int) -> None:
    for _task in range(count):
        finished.get(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_deliveries_of_a_saved_customer(customer_resource, receiver, real_queue):
    from guanxi.core.testing import build_company

    company = build_company()
    for name in ("ERP", "数据仓库"):
        services.subscription_create(actor=company.root, data={
            "name": name, "target_url": receiver.url, "event_types": ["customer.created"]})
    with transaction.atomic():
        customer = customer_services.customer_create(actor=company.alice,
                                                     data={"name": "上海浦东物流有限公司", "owner": company.alice})
    _wait_for(real_queue, 2)

    assert sorted(d.status for d in Delivery.objects.all()) == [DeliveryStatus.SUCCEEDED] * 2
    assert [json.loads(r.body)["data"]["name"] for r in receiver.requests] == ["上海浦东物流有限公司"] * 2
    assert {json.loads(r.body)["data"]["id"] for r in receiver.requests} == {customer.pk}


@pytest.mark.django_db(transaction=True)
def test_a_delivery_queued_twice_is_sent_once(customer_resource, receiver, real_queue):
    from guanxi.core.testing import build_company

    company = build_company()
    subscription = services.subscription_create(actor=company.root, data={
        "name": "ERP", "target_url": receiver.url, "event_types": ["customer.created"]})
    delivery = Delivery.objects.create(subscription=subscription, event_type="customer.created",
                                       event_payload={"id": 123456})
    send_delivery(delivery.pk)
    send_delivery(delivery.pk)
    _wait_for(real_queue, 2)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0].body)["data"] == {"id": 123456, "deleted": True}
