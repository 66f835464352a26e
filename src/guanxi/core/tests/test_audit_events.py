"""Audit trail and domain events: written with the change, delivered only after commit."""

import pytest
from django.db import transaction

from guanxi.core import audit, events
from guanxi.core.errors import DomainError
from guanxi.core.models import AuditEvent
from guanxi.customers import services

pytestmark = pytest.mark.django_db


def test_audit_records_address_and_request_id_of_the_request(client, company):
    # given a sign-in through the real login page
    client.post("/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.1.2.3",
                HTTP_X_REQUEST_ID="req-42")
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.ip == "10.1.2.3"
    assert failed.request_id == "req-42"
    assert failed.extra == {"username": "alice"}


def test_update_audit_holds_before_and_after(company):
    customer = services.customer_create(actor=company.alice, data={"name": "甲公司", "grade": "C"})
    services.customer_update(actor=company.alice, customer=customer, data={"grade": "A", "name": "甲公司"})
    event = AuditEvent.objects.filter(action="customer.updated").get()
    assert event.changes == {"grade": ["C", "A"]}
    assert event.timeline_key == audit.timeline_key(customer)


def test_failed_write_leaves_no_audit_event(company):
    with pytest.raises(DomainError):
        services.customer_create(actor=company.alice, data={"name": "", "phone": "bad"})
    assert not AuditEvent.objects.filter(action="customer.created").exists()


def test_events_are_delivered_after_commit_and_never_on_rollback(company, django_capture_on_commit_callbacks):
    received = []

    def handler(kind, payload):
        received.append((kind, payload["id"]))

    events.subscribe("customer.created", handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            customer = services.customer_create(actor=company.alice, data={"name": "乙公司"})
        assert received == [("customer.created", customer.pk)]
        received.clear()
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    services.customer_create(actor=company.alice, data={"name": "丙公司"})
                    raise RuntimeError("roll back")
            except RuntimeError:
                pass
        assert received == []
    finally:
        events.unsubscribe("customer.created", handler)


def test_a_failing_subscriber_does_not_break_the_save(company, django_capture_on_commit_callbacks):
    def broken(kind, payload):
        raise ValueError("subscriber bug")

    events.subscribe("customer.created", broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            customer = services.customer_create(actor=company.alice, data={"name": "丁公司"})
        assert customer.pk is not None
    finally:
        events.unsubscribe("customer.created", broken)
