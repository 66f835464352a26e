"""Text forms used for matching and display: phones in E.164, masked phones and emails, search phrases."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

_CJK = re.compile(r"[\u3400-\u9fff]")


def normalise_phone(raw: str, region: str | None = None) -> str | None:
    """E.164 form of a phone number, or None when it is not a valid number."""
    if not raw or len(raw) > 40:
        return None
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise, not enough to call."""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    if not domain:
        return "***"
    return f"{name[:1]}***@{domain}"


def query_phrase(text: str) -> str:
    """A search box entry in the form of a search document (CJK spaced, lower case)."""
    return " ".join(_CJK.sub(lambda m: f" {m.group(0)} ", text.lower()).split())
