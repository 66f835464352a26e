"""Domain events: services announce what happened; subscribers (automation, webhooks,
notifications) react after the transaction commits, never inside it."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

Handler = Callable[[str, dict], None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event_type: str, handler: Handler) -> None:
    """`event_type` "*" receives every event."""
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)


def unsubscribe(event_type: str, handler: Handler) -> None:
    if handler in _subscribers[event_type]:
        _subscribers[event_type].remove(handler)


def emit(event_type: str, payload: dict) -> None:
    def deliver() -> None:
        for handler in [*_subscribers[event_type], *_subscribers["*"]]:
            try:
                handler(event_type, payload)
            except Exception:
                # A failing subscriber must never undo or block the user's saved change.
                log.exception("event handler failed for %s", event_type)

    transaction.on_commit(deliver)
