"""Sensitive fields (phone, email) masked for users without `customers.view_sensitive`:
one rule used by pages, API, exports and search results alike."""

from __future__ import annotations

from guanxi.core.text import mask_email, mask_phone


def can_see_sensitive(actor) -> bool:
    return bool(actor.has_action("customers.view_sensitive"))


def phone_for(actor, value: str, *, sensitive: bool | None = None) -> str:
    if not value:
        return ""
    allowed = can_see_sensitive(actor) if sensitive is None else sensitive
    return value if allowed else mask_phone(value)


def email_for(actor, value: str, *, sensitive: bool | None = None) -> str:
    if not value:
        return ""
    allowed = can_see_sensitive(actor) if sensitive is None else sensitive
    return value if allowed else mask_email(value)
