"""Huey tasks of webhooks: send a delivery (and schedule its retry), and re-queue deliveries whose scheduled
retry or worker was lost. They take ids and are safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .delivery import delivery_attempt
from .selectors import delivery_overdue_ids


@db_task(name="guanxi.webhook_delivery")
def send_delivery(delivery_id: int) -> None:
    outcome = delivery_attempt(delivery_id)
    if outcome is not None and outcome.retry_in is not None:
        send_delivery.schedule(args=(delivery_id,), delay=outcome.retry_in)


@db_periodic_task(crontab(minute="*/5"), name="guanxi.webhook_sweep")
def requeue_overdue_deliveries() -> None:
    for delivery_id in delivery_overdue_ids():
        send_delivery(delivery_id)
