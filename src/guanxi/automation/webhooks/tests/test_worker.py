"""A real Huey consumer on the real queue (a SQLite file, or Redis when GUANXI_REDIS_URL is set) sends the
deliveries of a saved customer, and sends one delivery once even when its task is queued twice."""

from __future__ import annotations

import json
import os

import pytest
from django.db import transaction

from guanxi.automation.webhooks import services
from guanxi.automation.webhooks.choices import DeliveryStatus
from guanxi.automation.webhooks.models import Delivery
from guanxi.automation.webhooks.tasks import send_delivery
from guanxi.core.testing_queue import real_consumer, wait_for
from guanxi.customers import services as customer_services


@pytest.fixture
def real_queue():
    # Two workers race for the same deliveries on PostgreSQL; SQLite's in-memory test database takes one.
    with real_consumer(workers=2 if os.environ.get("GUANXI_TEST_DATABASE_URL") else 1) as finished:
        yield finished


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
    wait_for(real_queue, 2)

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
    wait_for(real_queue, 2)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0].body)["data"] == {"id": 123456, "deleted": True}
