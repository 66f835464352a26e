"""Signing secrets and signatures of webhook requests.

A receiver recomputes `sha256=` + hex HMAC-SHA256(secret, f"{X-Guanxi-Timestamp}.{raw body}") and compares
it in constant time; the timestamp lets it refuse old requests replayed by someone who captured one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Guanxi-Signature header of a request with this body sent at `timestamp` (Unix seconds)."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_valid(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does: True when `header` signs this body and timestamp with `secret`."""
    return hmac.compare_digest(signature(secret, timestamp, body), header or "")
