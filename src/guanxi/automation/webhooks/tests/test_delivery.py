"""Sending: a saved customer reaches the subscriptions that want its event, signed, with the record as the
API shows it; failures are retried with growing pauses, then given up; a delivery is sent once however often
its task runs; a replay sends the same body again. All against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.automation.webhooks import services
from guanxi.automation.webhooks.choices import DeliveryStatus
from guanxi.automation.webhooks.delivery import MAX_ATTEMPTS, delivery_attempt, retry_delay
from guanxi.automation.webhooks.dispatch import on_event
from guanxi.automation.webhooks.models import Delivery
from guanxi.automation.webhooks.registry import (
    api_view,
    event_type_choices,
    register_webhook_resource,
    unregister_webhook_resource,
)
from guanxi.automation.webhooks.signing import signature_valid
from guanxi.automation.webhooks.tasks import requeue_overdue_deliveries, send_delivery
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer

from .receiver import closed_port_url

pytestmark = pytest.mark.django_db


def later(seconds: int = 3600) -> dt.datetime:
    """A moment when any retry scheduled now is due."""
    return timezone.now() + dt.timedelta(seconds=seconds)


def create_customer(company, capture, name="杭州云栖科技有限公司", **data) -> Customer:
    """A customer saved through the real service, its after-commit work (events, deliveries) run."""
    with capture(execute=True):
        return customer_services.customer_create(
            actor=company.alice, data={"name": name, "owner": company.alice, "phone": "13812345678",
                                       "email": "info@yunqi.example.cn", **data})


def test_a_new_customer_reaches_each_matching_subscription_once(
        integrators, make_subscription, receiver, django_capture_on_commit_callbacks):
    # given
    wants_created = make_subscription(receiver.url, ["customer.created"], name="ERP")
    wants_all = make_subscription(receiver.url, ["*"], name="数据仓库")
    make_subscription(receiver.url, ["customer.deleted"], name="只要删除")
    make_subscription(receiver.url, ["*"], name="已停用", is_active=False)
    # when
    customer = create_customer(integrators, django_capture_on_commit_callbacks)
    # then
    deliveries = Delivery.objects.order_by("subscription_id")
    assert [(d.subscription_id, d.event_type, d.status) for d in deliveries] == [
        (wants_created.pk, "customer.created", DeliveryStatus.SUCCEEDED),
        (wants_all.pk, "customer.created", DeliveryStatus.SUCCEEDED)]
    assert len(receiver.requests) == 2
    assert {json.loads(r.body)["data"]["id"] for r in receiver.requests} == {customer.pk}


def test_the_request_is_signed_json_with_the_record_as_the_api_shows_it(
        integrators, make_subscription, receiver, api, django_capture_on_commit_callbacks):
    subscription = make_subscription(receiver.url, ["customer.created"])
    customer = create_customer(integrators, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    delivery = Delivery.objects.get()
    headers = request.headers
    assert request.path == "/hooks/guanxi"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Guanxi-Webhooks"
    assert headers["X-Guanxi-Event"] == "customer.created"
    assert headers["X-Guanxi-Delivery"] == str(delivery.uuid)
    assert headers["X-Guanxi-Timestamp"].isdigit()
    assert headers["X-Guanxi-Signature"].startswith("sha256=")
    assert signature_valid(subscription.secret, headers["X-Guanxi-Timestamp"], request.body,
                           headers["X-Guanxi-Signature"])
    assert not signature_valid("whsec_someone-else", headers["X-Guanxi-Timestamp"], request.body,
                               headers["X-Guanxi-Signature"])

    body = json.loads(request.body)
    assert set(body) == {"id", "event", "occurred_at", "data"}
    assert (body["id"], body["event"]) == (str(delivery.uuid), "customer.created")
    assert dt.datetime.fromisoformat(body["occurred_at"]) == delivery.created_at
    # The system's view: what an admin reads from GET /customers/{id}, phone and email unmasked.
    assert body["data"] == api(integrators.root).get(f"/api/v1/customers/{customer.pk}").json()
    assert body["data"]["phone"] == "13812345678"
    assert request.body.decode() == delivery.request_body
    assert (delivery.last_status_code, delivery.attempts, delivery.error) == (200, 1, "")
    assert delivery.response_excerpt == '{"received": true}'
    assert delivery.duration_ms is not None and delivery.finished_at is not None


def test_an_update_says_what_changed_and_a_deleted_record_says_it_is_gone(
        integrators, make_subscription, receiver, django_capture_on_commit_callbacks):
    make_subscription(receiver.url, ["customer.updated", "customer.deleted"])
    customer = create_customer(integrators, django_capture_on_commit_callbacks)
    assert receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        customer_services.customer_update(actor=integrators.alice, customer=customer,
                                          data={"grade": "A", "notes": "年度大客户"})
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.customer_delete(actor=integrators.alice, customer=customer)

    updated, deleted = (json.loads(r.body) for r in receiver.requests)
    assert updated["event"] == "customer.updated"
    assert updated["changed"] == ["grade", "notes"]
    assert (updated["data"]["grade"], updated["data"]["notes"]) == ("A", "年度大客户")
    assert deleted["event"] == "customer.deleted"
    assert deleted["data"] == {"id": customer.pk, "deleted": True}
    assert "changed" not in deleted


def test_one_event_for_many_subscriptions_is_one_lookup_and_one_insert(
        integrators, make_subscription, receiver, customer_resource):
    for n in range(3):
        make_subscription(receiver.url, ["customer.updated"], name=f"接收方 {n}")
    customer = Customer.objects.create(name="测试", owner=integrators.alice)

    with CaptureQueriesContext(connection) as queries:
        on_event("customer.updated", {"id": customer.pk, "changed": ["name"]})

    assert Delivery.objects.filter(event_type="customer.updated").count() == 3
    assert len(queries) == 2, [q["sql"] for q in queries]


def test_events_no_resource_offers_are_not_sent(integrators, make_subscription, receiver,
                                               django_capture_on_commit_callbacks):
    make_subscription(receiver.url, ["*"])
    with django_capture_on_commit_callbacks(execute=True):
        from guanxi.core import events

        events.emit("customer_pool.created", {"id": 1})
        events.emit("customer.exploded", {"id": 1})
    assert not Delivery.objects.exists()
    assert receiver.requests == []


def test_a_receiver_error_is_retried_later_with_the_same_body_then_succeeds(
        integrators, make_subscription, receiver, django_capture_on_commit_callbacks):
    receiver.answer(500)
    make_subscription(receiver.url, ["customer.created"])
    create_customer(integrators, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert delivery.response_excerpt == "refused with 500"
    assert delivery.next_attempt_at is not None and delivery.finished_at is None
    # Not before its time, however often the task runs.
    assert delivery_attempt(delivery.pk) is None
    assert len(receiver.requests) == 1

    outcome = delivery_attempt(delivery.pk, now=later())

    assert outcome is not None and outcome.status == DeliveryStatus.SUCCEEDED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 2, 200)
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Guanxi-Delivery"] == second.headers["X-Guanxi-Delivery"]


def test_a_receiver_that_is_down_fails_the_delivery_after_the_last_attempt(
        integrators, make_subscription, django_capture_on_commit_callbacks):
    make_subscription(closed_port_url(), ["customer.created"])
    customer = create_customer(integrators, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    pauses: list[int | None] = [retry_delay(1)]
    for _attempt in range(2, MAX_ATTEMPTS + 1):
        outcome = delivery_attempt(delivery.pk, now=later())
        assert outcome is not None
        pauses.append(outcome.retry_in)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.last_status_code is None
    assert "ConnectError" in delivery.error
    assert pauses == [10, 20, 40, 80, 160, None]
    assert delivery_attempt(delivery.pk, now=later()) is None
    assert Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_webhook_never_undoes_or_breaks_the_users_save(customer_resource):
    from guanxi.core.testing import build_company

    company = build_company()
    services.subscription_create(actor=company.root, data={
        "name": "坏掉的接收方", "target_url": closed_port_url(), "event_types": ["customer.created"]})
    with transaction.atomic():
        customer = customer_services.customer_create(actor=company.alice,
                                                      data={"name": "宁波海曙贸易有限公司", "owner": company.alice})

    assert Customer.objects.filter(pk=customer.pk).exists()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "ConnectError" in delivery.error


def test_a_broken_registration_fails_its_delivery_without_touching_the_save(
        integrators, make_subscription, receiver, django_capture_on_commit_callbacks):
    def crash(record):
        raise RuntimeError("serializer bug")

    register_webhook_resource("customer", model=Customer, label="Customer", serialize=crash,
                              events=["created"])
    make_subscription(receiver.url, ["customer.created"])
    customer = create_customer(integrators, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "RuntimeError" in delivery.error
    assert receiver.requests == []
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_delivery_whose_task_runs_twice_is_sent_once(integrators, make_subscription, receiver,
                                                       django_capture_on_commit_callbacks):
    make_subscription(receiver.url, ["customer.created"])
    # The save commits, but its after-commit work is not run: the delivery is recorded by hand below.
    customer = Customer.objects.create(name="苏州工业园区科技有限公司", owner=integrators.alice)
    with django_capture_on_commit_callbacks(execute=False):
        on_event("customer.created", {"id": customer.pk})
    delivery = Delivery.objects.get()

    send_delivery(delivery.pk)
    send_delivery(delivery.pk)
    assert delivery_attempt(delivery.pk, now=later()) is None

    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)


def test_a_replay_sends_the_same_body_again_as_a_new_delivery(integrators, make_subscription, receiver,
                                                              django_capture_on_commit_callbacks):
    subscription = make_subscription(receiver.url, ["customer.created"])
    create_customer(integrators, django_capture_on_commit_callbacks)
    original = Delivery.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        replay = services.delivery_replay(actor=integrators.carol, delivery=original)

    first, again = receiver.requests
    assert again.body == first.body
    assert again.headers["X-Guanxi-Delivery"] == str(replay.uuid) != first.headers["X-Guanxi-Delivery"]
    assert signature_valid(subscription.secret, again.headers["X-Guanxi-Timestamp"], again.body,
                           again.headers["X-Guanxi-Signature"])
    replay.refresh_from_db()
    assert (replay.status, replay.replay_of_id, replay.event_type) == (DeliveryStatus.SUCCEEDED, original.pk,
                                                                       "customer.created")
    assert Delivery.objects.count() == 2


def test_a_test_event_describes_the_webhook(integrators, make_subscription, receiver,
                                            django_capture_on_commit_callbacks):
    subscription = make_subscription(receiver.url, ["customer.created"])
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_send_test(actor=integrators.carol, subscription=subscription)

    [request] = receiver.requests
    body = json.loads(request.body)
    assert request.headers["X-Guanxi-Event"] == body["event"] == "webhook.test"
    assert body["id"] == str(delivery.uuid) == request.headers["X-Guanxi-Delivery"]
    assert body["data"] == {"id": subscription.pk, "name": "ERP 同步", "target_url": receiver.url,
                            "event_types": ["customer.created"]}
    uuid.UUID(body["id"])


def test_offered_events_are_the_registered_ones_and_all(customer_resource):
    from guanxi.customers.models import Contact
    from guanxi.customers.schemas import ContactOut

    register_webhook_resource("contact", model=Contact, label="Contact", serialize=api_view(ContactOut),
                              events={"created": "added"})
    try:
        choices = dict(event_type_choices())
    finally:
        unregister_webhook_resource("contact")
    assert list(choices)[0] == "*"
    assert {"customer.created", "customer.updated", "customer.deleted", "customer.restored",
            "customer.transferred", "contact.created"} <= set(choices)
    assert choices["contact.created"] == "Contact · added"
    assert choices["customer.transferred"] == "Customer · transferred to another owner"
    assert "contact.created" not in dict(event_type_choices())


def test_registrations_are_checked(customer_resource):
    with pytest.raises(ValueError):
        register_webhook_resource("Customer!", model=Customer, label="x", serialize=dict)
    with pytest.raises(ValueError):
        register_webhook_resource("customer2", model=Customer, label="x", serialize=dict, events=[])
    assert customer_resource.read(10**9) is None


def test_the_sweep_sends_again_what_a_lost_worker_left_behind(integrators, make_subscription, receiver):
    subscription = make_subscription(receiver.url, ["customer.created"])
    long_ago = timezone.now() - dt.timedelta(minutes=20)

    def delivery(**fields) -> Delivery:
        return Delivery.objects.create(subscription=subscription, event_type="customer.created",
                                       event_payload={"id": 424242}, **fields)

    lost_retry = delivery(status=DeliveryStatus.PENDING, attempts=2, next_attempt_at=long_ago)
    dead_worker = delivery(status=DeliveryStatus.SENDING, attempts=1, claimed_at=long_ago)
    due_now = delivery(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now())
    done = delivery(status=DeliveryStatus.SUCCEEDED, attempts=1, next_attempt_at=long_ago)

    requeue_overdue_deliveries.call_local()

    assert len(receiver.requests) == 2
    for row in (lost_retry, dead_worker):
        row.refresh_from_db()
        assert row.status == DeliveryStatus.SUCCEEDED
    assert (lost_retry.attempts, dead_worker.attempts) == (3, 2)
    due_now.refresh_from_db()
    done.refresh_from_db()
    assert (due_now.status, done.status) == (DeliveryStatus.PENDING, DeliveryStatus.SUCCEEDED)
