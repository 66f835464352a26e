"""Text forms used for matching and search: pinyin of Chinese names, phones in E.164."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django.conf import settings
from pypinyin import lazy_pinyin

_CJK = re.compile(r"[\u3400-\u9fff]")


def pinyin_forms(text: str) -> tuple[str, str]:
    """Full pinyin and initials: 张伟 -> ("zhangwei", "zw"). Latin text passes through."""
    if not text:
        return "", ""
    # Characters without pinyin (latin letters, digits) are kept one by one.
    keep: Any = list
    syllables = [s.lower() for s in lazy_pinyin(text, errors=keep) if s.strip()]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s and s[0].isalnum())
    return re.sub(r"\W", "", full), re.sub(r"\W", "", initials)


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


def search_terms(*texts: str) -> str:
    """A search document: CJK characters spaced (so a phrase query finds any substring of a
    Chinese name), plus latin words, pinyin and initials of each text."""
    parts: list[str] = []
    for text in texts:
        if not text:
            continue
        lowered = text.lower()
        parts.append(" ".join(_CJK.sub(lambda m: f" {m.group(0)} ", lowered).split()))
        if _CJK.search(text):
            full, initials = pinyin_forms(text)
            parts.extend([full, initials])
    return " ".join(p for p in parts if p)


def query_phrase(text: str) -> str:
    """A search box entry in the form of a search document (CJK spaced, lower case)."""
    return " ".join(_CJK.sub(lambda m: f" {m.group(0)} ", text.lower()).split())
