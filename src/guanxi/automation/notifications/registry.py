"""Kinds of notification (通知类型). Apps register theirs from `AppConfig.ready()`; each person then
chooses, per kind, where it reaches them: in the app, by email, or on their own robots and URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Channels every person has; personal robots and URLs are "channel:<id>" and are never a default.
APP = "app"
EMAIL = "email"
BUILT_IN_CHANNELS = (APP, EMAIL)

# The kind of the "send a test message" button; it goes to one chosen channel, never by preference.
TEST_KIND = "notifications.test"

_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
MAX_KEY = 64


@dataclass(frozen=True)
class NotificationKind:
    """What a kind of notification is called, what it is for, and where it goes when nobody chose."""

    key: str
    label: Any
    description: Any = ""
    default_channels: tuple[str, ...] = (APP,)


_KINDS: dict[str, NotificationKind] = {}


def register_notification_kind(key: str, *, label: Any, description: Any = "",
                               default_channels: tuple[str, ...] | list[str] = (APP,)) -> NotificationKind:
    """Offer `key` ("<app>.<what>", e.g. "reminders.follow_up_due") to `notify` and to everyone's settings.

    `label` and `description` are lazily translated texts; `default_channels` is what a person gets
    until they choose otherwise, among "app" and "email". Registering a key again replaces it.
    """
    if not _KEY.match(key) or len(key) > MAX_KEY:
        raise ValueError(f"notification kind must be '<app>.<name>' in lower case, at most {MAX_KEY} characters, "
                         f"got {key!r}")
    defaults = tuple(dict.fromkeys(default_channels))
    unknown = [c for c in defaults if c not in BUILT_IN_CHANNELS]
    if unknown:
        raise ValueError(f"default channels must be among {BUILT_IN_CHANNELS}, got {unknown}")
    kind = NotificationKind(key=key, label=label, description=description, default_channels=defaults)
    _KINDS[key] = kind
    return kind


def unregister_notification_kind(key: str) -> None:
    _KINDS.pop(key, None)


def notification_kinds() -> list[NotificationKind]:
    """Every registered kind, in the order the apps registered them."""
    return list(_KINDS.values())


def notification_kind(key: str) -> NotificationKind | None:
    return _KINDS.get(key)


def kind_label(key: str) -> str:
    """The kind's name for people; a kind no longer registered shows its key."""
    kind = _KINDS.get(key)
    return str(kind.label) if kind else key


def choosable_kinds() -> list[NotificationKind]:
    """The kinds a person sets channels for: all but the channel test."""
    return [k for k in _KINDS.values() if k.key != TEST_KIND]
