"""The daily run of reminders and the digests, both started by the clock (core.schedules).

A run takes each source's reminders for today in batches, drops those already sent today (a run
repeated after a crash sends nothing twice), records the rest and hands each to `notify`, which
writes it in the recipient's language and delivers it on the channels they chose.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.automation.notifications.registry import register_notification_kind
from guanxi.automation.notifications.services import notify
from guanxi.core import audit
from guanxi.core.errors import DomainError
from guanxi.core.permissions import require
from guanxi.org.models import User

from .models import Digest, ReminderSettings, SentReminder
from .registry import Reminder, ReminderSource, reminder_sources

BATCH = 500
DIGEST_KIND = "reminders.digest"
MANAGE = "automation.manage_reminders"

LIMIT_FIELDS = ["not_contacted_a", "not_contacted_b", "not_contacted_c", "not_contacted_d", "not_contacted_none",
                "contract_ending_days", "instalment_due_days"]
# Days: a limit of 0 would remind of every customer every day; more than a few years means never.
LIMIT_RANGE = (1, 1000)


def reminder_settings() -> ReminderSettings:
    settings_row, _created = ReminderSettings.objects.get_or_create(pk=1)
    return settings_row


def thresholds() -> dict[str, Any]:
    """The limits the sources read (days without contact by grade, days ahead for contracts and
    instalments), as the admins set them."""
    return reminder_settings().limits()


def reminder_settings_update(*, actor, data: dict[str, Any]) -> ReminderSettings:
    require(actor, MANAGE)
    unknown = set(data) - set(LIMIT_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    problems: dict[str, list[str]] = {}
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int) or not LIMIT_RANGE[0] <= value <= LIMIT_RANGE[1]:
            problems[name] = [str(_("Enter a whole number of days from %(low)d to %(high)d.")
                                  % {"low": LIMIT_RANGE[0], "high": LIMIT_RANGE[1]})]
    if problems:
        raise DomainError("invalid", _("Please correct the errors below."), problems)
    with transaction.atomic():
        row = ReminderSettings.objects.select_for_update().get(pk=reminder_settings().pk)
        before = audit.snapshot(row, list(data))
        for name, value in data.items():
            setattr(row, name, value)
        row.save(update_fields=list(data) or None)
        changes = audit.diff(before, audit.snapshot(row, list(data)))
        if changes:
            audit.record(actor, "reminder_settings.updated", row, changes)
    return row


def _batches(items: Iterable[Reminder]) -> Iterator[list[Reminder]]:
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _text(reminder: Reminder, language: str) -> str:
    with translation.override(language):
        params = {k: str(v) for k, v in reminder.params.items()}
        return (str(reminder.title) % params)[:300]


def _send(source: ReminderSource, day: dt.date, batch: list[Reminder], languages: dict[int, str]) -> int:
    types = {type(r.record): ContentType.objects.get_for_model(r.record) for r in batch}
    sent = set(SentReminder.objects.filter(
        source=source.key, day=day, object_id__in=[r.record.pk for r in batch],
        recipient_id__in={r.recipient_id for r in batch},
    ).values_list("content_type_id", "object_id", "recipient_id"))
    fresh = [r for r in batch if (types[type(r.record)].pk, r.record.pk, r.recipient_id) not in sent]
    if not fresh:
        return 0
    rows = [SentReminder(source=source.key, content_type=types[type(r.record)], object_id=r.record.pk,
                         recipient_id=r.recipient_id, day=day, url=r.url[:300],
                         text=_text(r, languages.get(r.recipient_id) or settings.LANGUAGE_CODE)) for r in fresh]
    with transaction.atomic():
        SentReminder.objects.bulk_create(rows, ignore_conflicts=True)
        for reminder in fresh:
            notify(recipients=[reminder.recipient_id], kind=source.key, title=reminder.title,
                   params=reminder.params, url=reminder.url, record=reminder.record)
    return len(fresh)


def reminders_run(now: dt.datetime | None = None) -> dict[str, int]:
    """Send today's reminders of every source; how many each sent."""
    day = timezone.localdate(now or timezone.now())
    limits = thresholds()
    languages = dict(User.objects.filter(is_active=True).values_list("pk", "language"))
    counts: Counter[str] = Counter()
    for source in reminder_sources():
        for batch in _batches(source.find(day, limits)):
            active = [r for r in batch if r.recipient_id in languages]
            counts[source.key] += _send(source, day, active, languages) if active else 0
    return dict(counts)


DIGEST_TITLE = _("Your day: %(count)s reminders")


def digests_run(now: dt.datetime | None = None) -> int:
    """Send the daily digest to everyone whose digest time has come today; how many were sent."""
    local = timezone.localtime(now or timezone.now())
    day = local.date()
    # Everyone gets the digest at the default time until they choose otherwise.
    Digest.objects.bulk_create([Digest(user_id=pk) for pk in User.objects.filter(is_active=True).exclude(
        pk__in=Digest.objects.values("user_id")).values_list("pk", flat=True)], ignore_conflicts=True)
    due = list(Digest.objects.filter(enabled=True, at__lte=local.time(), user__is_active=True)
               .exclude(last_sent_on=day).select_related("user"))
    if not due:
        return 0
    texts: dict[int, list[str]] = defaultdict(list)
    for recipient_id, text in (SentReminder.objects.filter(day=day, recipient_id__in=[d.user_id for d in due])
                               .order_by("source", "id").values_list("recipient_id", "text")):
        texts[recipient_id].append(text)
    sent = 0
    for digest in due:
        lines = texts.get(digest.user_id, [])
        with transaction.atomic():
            # Claimed with a conditional update: two workers never send the same digest twice.
            claimed = Digest.objects.filter(pk=digest.pk).exclude(last_sent_on=day).update(last_sent_on=day)
            if not claimed or not lines:
                continue
            notify(recipients=[digest.user], kind=DIGEST_KIND, title=DIGEST_TITLE,
                   body="\n".join(f"• {line}" for line in lines), params={"count": len(lines)})
            sent += 1
    return sent


def digest_get(*, actor) -> Digest:
    """The signed-in person's digest settings (made with the defaults on first asking)."""
    if not getattr(actor, "is_authenticated", False):
        raise DomainError("unauthenticated", _("Sign in first."))
    digest, _created = Digest.objects.get_or_create(user=actor)
    return digest


def digest_update(*, actor, enabled: bool, at: dt.time) -> Digest:
    """Whether and when the signed-in person gets their daily digest (a time on the quarter hour)."""
    digest = digest_get(actor=actor)
    if at.minute % 15 or at.second or at.microsecond:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"at": [str(_("Choose a time on the quarter hour, such as 08:30."))]})
    before = audit.snapshot(digest, ["enabled", "at"])
    digest.enabled, digest.at = enabled, at
    with transaction.atomic():
        digest.save(update_fields=["enabled", "at"])
        changes = audit.diff(before, audit.snapshot(digest, ["enabled", "at"]))
        if changes:
            audit.record(actor, "digest.updated", digest, changes)
    return digest


def register_schedules() -> None:
    """Called from RemindersConfig.ready(): reminders every morning, digests looked at every 15 minutes."""
    from guanxi.core.schedules import register_schedule

    register_notification_kind(DIGEST_KIND, label=_("Daily digest"), default_channels=("app", "email"))
    hour, minute = settings.REMINDERS_AT
    register_schedule("reminders.daily", title=_("Reminders"),
                      when=format_lazy(_("Daily at {time}"), time=f"{hour:02d}:{minute:02d}"),
                      run=reminders_run, hour=str(hour), minute=str(minute))
    register_schedule("reminders.digests", title=_("Daily digests"), when=_("Every 15 minutes"),
                      run=lambda now: {"sent": digests_run(now)}, minute="*/15")
