"""The background task that sends a delivery; it takes an id and is safe to run twice."""

from huey.contrib.djhuey import db_task

from .delivering import MAX_ATTEMPTS, delivery_attempt

# Seconds before the second attempt; each later wait doubles.
RETRY_DELAY = 30


@db_task(retries=MAX_ATTEMPTS - 1, retry_delay=RETRY_DELAY, retry_backoff=2, name="guanxi.notifications.deliver")
def deliver(delivery_id: int) -> None:
    delivery_attempt(delivery_id)
