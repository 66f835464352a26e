"""Sending one webhook delivery: claim it, fix its body on the first attempt, POST it signed, record what the
receiver answered, and schedule the next attempt with exponential backoff until it succeeds or runs out.

The claim is a conditional UPDATE, so a task delivered twice (or a sweep racing a retry) sends once.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import orjson
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise

from .choices import DeliveryStatus
from .models import MAX_EXCERPT, Delivery
from .registry import resource_for_event
from .signing import signature

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 10
TIMEOUT_SECONDS = 10.0
# A claim older than this belongs to a worker that died mid-send: one attempt lasts at most a few timeouts.
STALE_CLAIM = dt.timedelta(minutes=5)
# Only the start of an answer is kept; reading stops here so a huge answer costs nothing.
READ_LIMIT = 16 * 1024
USER_AGENT = "Guanxi-Webhooks"

_local = threading.local()


@dataclass(frozen=True)
class Outcome:
    """What one attempt did; `retry_in` (seconds) when another attempt is due."""

    status: str
    status_code: int | None = None
    retry_in: int | None = None


def retry_delay(attempts: int) -> int:
    """Seconds to wait after attempt number `attempts` failed: 10, 20, 40, 80, 160."""
    return FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0)


def _json_default(value: Any) -> Any:
    # The API renders these the same way, so a record reads alike in both.
    if isinstance(value, Promise | Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_json_default)


def build_body(delivery: Delivery) -> str:
    """{"id", "event", "occurred_at", "data", "changed"?}: the record as the API shows it now, or
    {"id", "deleted": true} when it no longer exists."""
    payload = delivery.event_payload or {}
    record_id = payload.get("id")
    resource = resource_for_event(delivery.event_type)
    record = resource.read(record_id) if resource is not None and record_id is not None else None
    if record is not None and resource is not None:
        data = resource.serialize(record)
    else:
        data = {"id": record_id, "deleted": True}
    body: dict[str, Any] = {"id": str(delivery.uuid), "event": delivery.event_type,
                            "occurred_at": delivery.created_at, "data": data}
    if "changed" in payload:
        body["changed"] = payload["changed"]
    return dumps(body).decode()


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    due = Q(status=DeliveryStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return bool(Delivery.objects.filter(Q(pk=delivery_id) & (due | abandoned)).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1))


def _client() -> httpx.Client:
    """One client per worker thread, so connections to a receiver are kept alive between deliveries."""
    client = getattr(_local, "client", None)
    if client is None:
        # httpx writes a request's headers and body separately; TCP_NODELAY sends the body at once rather
        # than after the receiver's ACK (urllib3 sets it by default too).
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        client = _local.client = httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, transport=transport)
    return client


def _text(raw: bytes | str, limit: int) -> str:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    # PostgreSQL text cannot hold NUL.
    return text[:limit].replace("\x00", "\ufffd")


@dataclass(frozen=True)
class _Answer:
    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int


def post(*, url: str, secret: str, event_type: str, delivery_uuid: str, body: bytes) -> _Answer:
    """POST the body, signed, without following redirects; any failure to get an answer is an error."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Guanxi-Event": event_type,
        "X-Guanxi-Delivery": delivery_uuid,
        "X-Guanxi-Timestamp": timestamp,
        "X-Guanxi-Signature": signature(secret, timestamp, body),
    }
    started = time.perf_counter()
    try:
        with _client().stream("POST", url, content=body, headers=headers) as response:
            raw = b""
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) >= READ_LIMIT:
                    break
            code, error = response.status_code, ""
    except Exception as exc:  # a receiver can fail in any way; each is an attempt that did not succeed
        code, raw, error = None, b"", f"{type(exc).__name__}: {exc}"
    duration = round((time.perf_counter() - started) * 1000)
    return _Answer(code, _text(raw, MAX_EXCERPT), _text(error, 500), duration)


def _finish(delivery: Delivery, answer: _Answer) -> Outcome:
    now = timezone.now()
    succeeded = answer.status_code is not None and 200 <= answer.status_code < 300
    retry_in = None
    if succeeded:
        status = DeliveryStatus.SUCCEEDED
    elif delivery.attempts >= MAX_ATTEMPTS:
        status = DeliveryStatus.FAILED
    else:
        status, retry_in = DeliveryStatus.PENDING, retry_delay(delivery.attempts)
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=status, last_status_code=answer.status_code, response_excerpt=answer.excerpt, error=answer.error,
        duration_ms=answer.duration_ms, next_attempt_at=now + dt.timedelta(seconds=retry_in) if retry_in else None,
        finished_at=None if retry_in else now)
    return Outcome(status, answer.status_code, retry_in)


def delivery_attempt(delivery_id: int, *, now: dt.datetime | None = None) -> Outcome | None:
    """Make the next attempt of a delivery that is due at `now`; None when it is not due or someone else has
    it (already sent, being sent, or waiting for a later retry)."""
    if not _claim(delivery_id, now or timezone.now()):
        return None
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    if not delivery.request_body:
        try:
            delivery.request_body = build_body(delivery)
        except Exception as exc:  # a broken registration must not leave the delivery claimed for ever
            log.exception("webhook delivery %s: the record could not be read", delivery_id)
            answer = _Answer(None, "", _text(f"{type(exc).__name__} while reading the record", 500), 0)
            delivery.attempts = MAX_ATTEMPTS
            return _finish(delivery, answer)
        Delivery.objects.filter(pk=delivery_id).update(request_body=delivery.request_body)
    subscription = delivery.subscription
    answer = post(url=subscription.target_url, secret=subscription.secret, event_type=delivery.event_type,
                  delivery_uuid=str(delivery.uuid), body=delivery.request_body.encode())
    return _finish(delivery, answer)
