"""What reminds whom of what (提醒). Apps above automation register their sources from
`AppConfig.ready()` (customers: follow-ups due, customers not contacted; contracts: ending,
instalments due and overdue), so the daily run never imports them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Reminder:
    """One thing one person should hear about today: `title` (translatable, with %(name)s
    placeholders filled from `params`) is written in the recipient's language when it is sent."""

    recipient_id: int
    record: models.Model
    title: Any
    params: dict[str, Any] = field(default_factory=dict)
    url: str = ""


# find(today, thresholds) -> the reminders due today, read in batches from indexes.
Finder = Callable[[dt.date, dict[str, Any]], Iterable[Reminder]]


@dataclass(frozen=True)
class ReminderSource:
    key: str  # also the kind of notification people choose channels for, e.g. "customers.follow_up_due"
    label: Any
    find: Finder


_SOURCES: dict[str, ReminderSource] = {}


def register_reminder_source(key: str, *, label: Any, find: Finder) -> None:
    from guanxi.automation.notifications.registry import register_notification_kind

    _SOURCES[key] = ReminderSource(key=key, label=label, find=find)
    register_notification_kind(key, label=label, default_channels=("app",))


def reminder_sources() -> list[ReminderSource]:
    return list(_SOURCES.values())
