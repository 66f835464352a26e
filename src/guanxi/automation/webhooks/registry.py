"""Records webhooks can carry (可推送的记录). Apps above automation register theirs from `AppConfig.ready()`:
the event prefix their services emit ("customer" for "customer.created"), the events subscribers may choose,
and how to read a record as the API shows it. This app never imports them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.errors import NotFound
from guanxi.core.system import SYSTEM

Serializer = Callable[[Any], dict]
Loader = Callable[[Any], Any]

ALL_EVENTS = "*"
TEST_EVENT = "webhook.test"
DEFAULT_EVENTS = ("created", "updated", "deleted")

_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_VERB = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# What the usual verbs of emitted events are called on the subscription form; a registration names others.
VERB_LABELS: Mapping[str, Any] = MappingProxyType({
    "created": pgettext_lazy("event", "created"),
    "updated": pgettext_lazy("event", "updated"),
    "deleted": pgettext_lazy("event", "deleted"),
    "restored": pgettext_lazy("event", "restored from the recycle bin"),
    "transferred": pgettext_lazy("event", "transferred to another owner"),
    "claimed": pgettext_lazy("event", "claimed"),
    "assigned": pgettext_lazy("event", "assigned"),
    "assigned_from_pool": pgettext_lazy("event", "assigned from the pool"),
    "returned_to_pool": pgettext_lazy("event", "returned to the pool"),
    "converted": pgettext_lazy("event", "converted"),
    "moved": pgettext_lazy("event", "moved to another stage"),
    "won": pgettext_lazy("event", "won"),
    "lost": pgettext_lazy("event", "lost"),
    "submitted": pgettext_lazy("event", "submitted for approval"),
    "approved": pgettext_lazy("event", "approved"),
    "approval_rejected": pgettext_lazy("event", "rejected in approval"),
    "rejected": pgettext_lazy("event", "rejected"),
    "returned": pgettext_lazy("event", "returned for changes"),
    "withdrawn": pgettext_lazy("event", "withdrawn from approval"),
    "sent": pgettext_lazy("event", "sent"),
    "accepted": pgettext_lazy("event", "accepted"),
    "revised": pgettext_lazy("event", "revised"),
    "activated": pgettext_lazy("event", "activated"),
    "terminated": pgettext_lazy("event", "terminated"),
    "expired": pgettext_lazy("event", "expired"),
    "attachments_added": pgettext_lazy("event", "attachments added"),
    "attachment_deleted": pgettext_lazy("event", "attachment removed"),
    "merged": pgettext_lazy("event", "merged"),
    "unmerged": pgettext_lazy("event", "merge undone"),
})


@dataclass(frozen=True)
class WebhookResource:
    """How webhooks read one kind of record, and which of its events may be subscribed to."""

    prefix: str
    model: type[models.Model]
    serialize: Serializer
    label: Any
    events: Mapping[str, Any]  # verb -> label
    load: Loader | None = None

    def event_types(self) -> list[str]:
        return [f"{self.prefix}.{verb}" for verb in self.events]

    def event_label(self, verb: str) -> str:
        return f"{self.label} · {self.events.get(verb) or verb.replace('_', ' ')}"

    def read(self, pk: Any) -> Any | None:
        """The record as the system sees it, or None when it no longer exists (or is in the recycle bin)."""
        try:
            if self.load is not None:
                return self.load(pk)
            manager: Any = self.model._default_manager
            rows = manager.visible_to(SYSTEM) if hasattr(manager, "visible_to") else manager.all()
            return rows.filter(pk=pk).first()
        except (NotFound, ValueError, TypeError):
            return None


_REGISTRY: dict[str, WebhookResource] = {}


def register_webhook_resource(
    event_prefix: str,
    *,
    model: type[models.Model],
    serialize: Serializer,
    label: Any,
    events: Iterable[str] | Mapping[str, Any] = DEFAULT_EVENTS,
    load: Loader | None = None,
) -> WebhookResource:
    """Offer the events `<event_prefix>.<verb>` to webhook subscribers.

    `serialize(record)` returns the record as the API shows it (see `api_view`); `load(pk)` reads it,
    returning None or raising NotFound when it is gone; without it, the model's default manager is read
    (its `visible_to(SYSTEM)` when it has one, which leaves out soft-deleted rows). `events` are the verbs
    this app's services emit, optionally with their labels (`{"won": _("won")}`).
    """
    if not _PREFIX.match(event_prefix):
        raise ValueError(f"webhook event prefix must be a lower-case identifier, got {event_prefix!r}")
    verbs: dict[str, Any] = (dict(events) if isinstance(events, Mapping)
                             else {verb: VERB_LABELS.get(verb) for verb in events})
    bad = [verb for verb in verbs if not _VERB.match(verb)]
    if bad or not verbs:
        raise ValueError(f"webhook events must be lower-case identifiers, got {list(verbs)!r}")
    resource = WebhookResource(event_prefix, model, serialize, label, MappingProxyType(verbs), load)
    _REGISTRY[event_prefix] = resource
    return resource


def unregister_webhook_resource(event_prefix: str) -> None:
    _REGISTRY.pop(event_prefix, None)


def webhook_resources() -> list[WebhookResource]:
    return list(_REGISTRY.values())


def resource_for_event(event_type: str) -> WebhookResource | None:
    """The registration that offers `event_type`; None for events webhooks do not carry."""
    prefix, _dot, verb = event_type.partition(".")
    resource = _REGISTRY.get(prefix)
    if resource is None or verb not in resource.events:
        return None
    return resource


def event_type_choices() -> list[tuple[str, str]]:
    """Every event a subscription may choose, "*" (all of them) first."""
    choices = [(ALL_EVENTS, str(_("All events")))]
    for resource in _REGISTRY.values():
        choices.extend((f"{resource.prefix}.{verb}", resource.event_label(verb)) for verb in resource.events)
    return choices


def event_label(event_type: str) -> str:
    """How an event type reads on the pages; one no longer offered reads as itself."""
    if event_type == ALL_EVENTS:
        return str(_("All events"))
    if event_type == TEST_EVENT:
        return str(_("Test event"))
    resource = resource_for_event(event_type)
    return resource.event_label(event_type.partition(".")[2]) if resource else event_type


class _SystemRequest:
    """What API schemas read from their context: the reader (the system sees everything unmasked)."""

    auth = SYSTEM
    user = SYSTEM


def api_view(schema: Any) -> Serializer:
    """A `serialize` for `register_webhook_resource`: the record through the API's output schema (a ninja
    Schema), as GET on it answers, read with the system's view."""

    def serialize(record: Any) -> dict:
        return schema.model_validate(record, context={"request": _SystemRequest()}).model_dump()

    return serialize
