"""Writes of the notification centre: `notify`, the one call other apps make, and what a person does
with their own notifications, preferences and channels.

`notify` writes the in-app notifications and the log of outgoing deliveries in bulk, in the caller's
transaction; email and channels are sent by the task queue once that transaction has committed, so a
failing mail server or robot never blocks or undoes the caller's work.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import audit
from guanxi.core.errors import DomainError, Forbidden, NotFound

from . import tasks
from .choices import ChannelKind
from .models import MAX_BODY, MAX_URL, Channel, Delivery, Notification, Preference, channel_key
from .registry import APP, EMAIL, TEST_KIND, choosable_kinds, notification_kind
from .rendering import language_of, render_texts
from .selectors import KindChoice, channel_choices, channel_list, preference_list

BATCH = 500
MAX_CHANNELS = 20
CHANNEL_FIELDS = ("kind", "name", "url", "secret", "is_active")
CHANNEL_PREFIX = "channel:"
TEST_TITLE = gettext_lazy("Test message from Guanxi")
TEST_BODY = gettext_lazy("If you can read this, the channel “%(name)s” works.")


def _require_signed_in(actor) -> None:
    """Everyone signed in has a notification centre; no role needs to grant it."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active or not actor.pk:
        raise Forbidden()


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    return DomainError("invalid", _("Please correct the errors below."), errors)


# -- notify --


def _active_recipients(recipients: Iterable[Any]) -> list[Any]:
    """Users (or user ids) once each, in the order given, leaving out deactivated accounts."""
    given = list(recipients)
    ids = [r for r in given if isinstance(r, int) and not isinstance(r, bool)]
    loaded = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)} if ids else {}
    users: list[Any] = []
    seen: set[int] = set()
    for item in given:
        user = loaded.get(item) if isinstance(item, int) else item
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        users.append(user)
    return users


def _channel_id(key: str) -> int | None:
    if not key.startswith(CHANNEL_PREFIX):
        return None
    number = key[len(CHANNEL_PREFIX):]
    return int(number) if number.isdigit() else None


def _keys(value: Any) -> list[str]:
    """Channel keys of a stored preference; anything else a hand-edited row holds is ignored."""
    return list(dict.fromkeys(k for k in value if isinstance(k, str))) if isinstance(value, list | tuple) else []


def notify(*, recipients: Iterable[Any], kind: str, title: Any, body: Any = "", params: dict[str, Any] | None = None,
           url: str = "", record: models.Model | None = None, actor=None) -> list[Notification]:
    """Tell `recipients` (users or user ids) about something, each in their own language and channels.

    `title` and `body` are (lazily) translatable texts with %(name)s placeholders filled from `params`;
    `url` is the path of the record on this site ("/customers/5/"). Deactivated users get nothing.
    Returns the in-app notifications created (one per recipient who has "app" for this kind).
    """
    registered = notification_kind(kind)
    if registered is None:
        raise ValueError(f"unknown notification kind {kind!r}; register it with register_notification_kind")
    if len(url) > MAX_URL:
        raise ValueError(f"notification url longer than {MAX_URL} characters")
    users = _active_recipients(recipients)
    if not users:
        return []
    ids = [u.pk for u in users]
    stored = dict(Preference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "channels"))
    chosen = {uid: _keys(stored[uid]) if uid in stored else list(registered.default_channels) for uid in ids}
    wanted = {cid for keys in chosen.values() for key in keys if (cid := _channel_id(key)) is not None}
    owners: dict[int, int] = {}
    if wanted:
        owners = dict(Channel.objects.filter(pk__in=wanted, owner_id__in=ids, is_active=True)
                      .values_list("pk", "owner_id"))
    content_type = ContentType.objects.get_for_model(record) if record is not None else None
    object_id = record.pk if record is not None else None
    actor_id = getattr(actor, "pk", None)
    now = timezone.now()
    notifications: list[Notification] = []
    deliveries: list[Delivery] = []
    for user in users:
        keys = chosen[user.pk]
        title_text, body_text = render_texts(language_of(user), title, body, params)
        body_text = body_text[:MAX_BODY]
        notification = None
        if APP in keys:
            notification = Notification(recipient_id=user.pk, kind=kind, title=title_text, body=body_text, url=url,
                                        content_type=content_type, object_id=object_id, actor_id=actor_id,
                                        created_at=now)
            notifications.append(notification)
        outgoing: list[tuple[str, int | None]] = [(EMAIL, None)] if EMAIL in keys else []
        outgoing += [(key, cid) for key in keys
                     if (cid := _channel_id(key)) is not None and owners.get(cid) == user.pk]
        deliveries += [Delivery(recipient_id=user.pk, notification=notification, channel=key, target_id=cid,
                                kind=kind, title=title_text, body=body_text, url=url, content_type=content_type,
                                object_id=object_id, created_at=now) for key, cid in outgoing]
    with transaction.atomic():
        Notification.objects.bulk_create(notifications, batch_size=BATCH)
        Delivery.objects.bulk_create(deliveries, batch_size=BATCH)
        _queue(deliveries)
    return notifications


def _queue(deliveries: list[Delivery]) -> None:
    for delivery in deliveries:
        # robust: a queue that cannot be reached is logged; the caller's work is committed already.
        transaction.on_commit(partial(tasks.deliver, delivery.pk), robust=True)


# -- reading --


def notification_mark_read(*, actor, notification: Notification) -> Notification:
    _require_signed_in(actor)
    if notification.recipient_id != actor.pk:
        raise NotFound()
    if notification.read_at is None:
        now = timezone.now()
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor) -> int:
    """Marks every unread notification of mine read; returns how many."""
    _require_signed_in(actor)
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())


# -- preferences --


def _canonical(keys: Iterable[str]) -> list[str]:
    """Keys once each, in the order the settings table shows them."""
    def order(key: str) -> tuple[int, int]:
        cid = _channel_id(key)
        return (0, 0) if key == APP else (1, 0) if key == EMAIL else (2, cid or 0)

    return sorted(dict.fromkeys(keys), key=order)


def preferences_save(*, actor, choices: dict[str, list[str]]) -> list[KindChoice]:
    """Set the channels of the kinds in `choices` ({kind: ["app", "email", "channel:<id>"]}); other kinds
    keep theirs. A choice equal to the kind's default is stored as no choice, so it follows the default."""
    _require_signed_in(actor)
    kinds = {k.key: k for k in choosable_kinds()}
    allowed = {key for key, _label in channel_choices(actor=actor)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, list[str]] = {}
    for kind, keys in choices.items():
        if kind not in kinds:
            errors.setdefault(kind, []).append(_("This kind of notification does not exist."))
        elif not isinstance(keys, list | tuple) or not all(isinstance(k, str) for k in keys):
            errors.setdefault(kind, []).append(_("Give a list of channels."))
        elif any(k not in allowed for k in keys):
            errors.setdefault(kind, []).append(_("Choose among in the app, email and your active channels."))
        else:
            cleaned[kind] = _canonical(keys)
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        existing = {p.kind: p for p in Preference.objects.filter(user_id=actor.pk, kind__in=list(cleaned))}
        changes: dict[str, list[Any]] = {}
        created: list[Preference] = []
        updated: list[Preference] = []
        removed: list[int] = []
        for kind, keys in cleaned.items():
            default = _canonical(kinds[kind].default_channels)
            row = existing.get(kind)
            before = _canonical(_keys(row.channels)) if row else default
            if keys == default:
                if row is not None:
                    removed.append(row.pk)
            elif row is None:
                created.append(Preference(user_id=actor.pk, kind=kind, channels=keys))
            elif row.channels != keys:
                row.channels = keys
                updated.append(row)
            if before != keys:
                changes[kind] = [before, keys]
        Preference.objects.bulk_create(created)
        if updated:
            Preference.objects.bulk_update(updated, ["channels"])
        if removed:
            Preference.objects.filter(pk__in=removed).delete()
        if changes:
            audit.record(actor, "notification_preferences.saved", actor, changes)
    return preference_list(actor=actor)


# -- channels --


def _clean_channel(channel: Channel) -> None:
    errors: dict[str, list[str]] = {}
    channel.name = str(channel.name or "").strip()
    channel.url = str(channel.url or "").strip()
    channel.secret = str(channel.secret or "").strip()
    if channel.kind not in ChannelKind.values:
        errors.setdefault("kind", []).append(_("Choose the type of the channel."))
    if not channel.name:
        errors.setdefault("name", []).append(_("Give the channel a name."))
    elif len(channel.name) > 80:
        errors.setdefault("name", []).append(_("At most %(n)d characters.") % {"n": 80})
    if not channel.url:
        errors.setdefault("url", []).append(_("Enter the webhook address of the robot or URL."))
    elif len(channel.url) > 500:
        errors.setdefault("url", []).append(_("At most %(n)d characters.") % {"n": 500})
    else:
        try:
            URLValidator(schemes=["http", "https"])(channel.url)
        except ValidationError:
            errors.setdefault("url", []).append(_("Enter a web address starting with http:// or https://."))
    if len(channel.secret) > 200:
        errors.setdefault("secret", []).append(_("At most %(n)d characters.") % {"n": 200})
    if not isinstance(channel.is_active, bool):
        errors.setdefault("is_active", []).append(_("Choose yes or no."))
    if errors:
        raise _invalid(errors)


def _summary(channel: Channel) -> dict[str, Any]:
    """What the audit trail keeps of a channel: never the secret itself."""
    return {"kind": channel.kind, "name": channel.name, "url": channel.url, "is_active": channel.is_active,
            "secret": bool(channel.secret)}


def _check_fields(data: dict[str, Any]) -> None:
    unknown = set(data) - set(CHANNEL_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})


def _own(actor, channel: Channel) -> None:
    _require_signed_in(actor)
    if channel.owner_id != actor.pk:
        raise NotFound()


def channel_create(*, actor, data: dict[str, Any]) -> Channel:
    """`data`: kind (wecom, dingtalk, feishu, url), name, url, secret (optional), is_active."""
    _require_signed_in(actor)
    _check_fields(data)
    channel = Channel(owner_id=actor.pk, kind=data.get("kind") or "", name=data.get("name") or "",
                      url=data.get("url") or "", secret=data.get("secret") or "", is_active=data.get("is_active", True))
    _clean_channel(channel)
    with transaction.atomic():
        if channel_list(actor=actor).count() >= MAX_CHANNELS:
            raise DomainError("too_many_channels", _("You can have at most %(n)d channels.") % {"n": MAX_CHANNELS})
        channel.save()
        audit.record(actor, "notification_channel.created", channel, audit.diff({}, _summary(channel)))
    return channel


def channel_update(*, actor, channel: Channel, data: dict[str, Any]) -> Channel:
    """Fields left out keep their value; a `secret` of "" removes the secret."""
    _own(actor, channel)
    _check_fields(data)
    before = _summary(channel)
    for name in CHANNEL_FIELDS:
        if name in data:
            setattr(channel, name, data[name] if data[name] is not None else "")
    _clean_channel(channel)
    with transaction.atomic():
        channel.save(update_fields=[*CHANNEL_FIELDS, "updated_at"])
        changes = audit.diff(before, _summary(channel))
        if changes:
            audit.record(actor, "notification_channel.updated", channel, changes)
    return channel


def channel_delete(*, actor, channel: Channel) -> None:
    """Deletes the channel, its delivery log, and its place in the owner's preferences."""
    _own(actor, channel)
    key = channel.key
    with transaction.atomic():
        for row in Preference.objects.filter(user_id=actor.pk):
            if key in _keys(row.channels):
                row.channels = [k for k in _keys(row.channels) if k != key]
                row.save(update_fields=["channels", "updated_at"])
        audit.record(actor, "notification_channel.deleted", channel,
                     {name: [value, None] for name, value in _summary(channel).items()})
        channel.delete()


def channel_send_test(*, actor, channel: Channel) -> Delivery:
    """Queue a test message to this channel only, whatever the preferences say."""
    _own(actor, channel)
    title, body = render_texts(language_of(actor), TEST_TITLE, TEST_BODY, {"name": channel.name})
    with transaction.atomic():
        delivery = Delivery.objects.create(recipient_id=actor.pk, channel=channel_key(channel.pk), target=channel,
                                           kind=TEST_KIND, title=title, body=body,
                                           url=reverse("notifications:settings"))
        _queue([delivery])
    return delivery
