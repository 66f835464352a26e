"""How a notification reads for one person: its texts in their language, and its links.

Titles and bodies are translatable texts with %(name)s placeholders. They are turned into plain text
once per recipient, inside that person's language, so a Chinese and an English colleague notified
together each read their own.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme

from .models import MAX_TITLE

log = logging.getLogger(__name__)


def language_of(user) -> str:
    """The language a person reads: their own choice, else the site's."""
    language = getattr(user, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def fill(text: Any, params: dict[str, Any] | None) -> str:
    """`text` in the active language with `params` filled in; lazy values are rendered in it too."""
    template = str(text)
    if not params:
        return template
    values = {name: str(value) if isinstance(value, Promise) else value for name, value in params.items()}
    try:
        return template % values
    except (KeyError, ValueError, TypeError):
        # A placeholder a translation misspelt must not stop the message: it is sent unfilled.
        log.warning("notification text %r does not match its parameters %s", template, sorted(values))
        return template


def render_texts(language: str, title: Any, body: Any, params: dict[str, Any] | None) -> tuple[str, str]:
    """Title (shortened to fit) and body of a notification as one person reads them."""
    with translation.override(language):
        title_text = " ".join(fill(title, params).split())
        body_text = fill(body, params).strip() if body else ""
    if len(title_text) > MAX_TITLE:
        title_text = title_text[: MAX_TITLE - 1] + "…"
    return title_text, body_text


def is_local(url: str) -> bool:
    """A path on this site ("/customers/5/"), never another host, scheme or a protocol-relative URL."""
    return (url.startswith("/") and not url.startswith("//") and "\\" not in url
            and url_has_allowed_host_and_scheme(url, allowed_hosts=set()))


def local_target(url: str) -> str:
    """Where following a notification leads: its link on this site, else the notification centre."""
    return url if url and is_local(url) else reverse("notifications:centre")


def absolute_link(url: str) -> str:
    """The link as email and robots carry it: GUANXI_BASE_URL and the path on this site."""
    base = str(getattr(settings, "GUANXI_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + local_target(url)
