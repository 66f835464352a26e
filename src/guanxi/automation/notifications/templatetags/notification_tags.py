"""`{% load notification_tags %}{% notification_bell %}`: the header's bell, linking to the notification
centre. The page itself runs no query for it: the unread count is fetched by HTMX once the page has
loaded (one bounded count on the (recipient, read_at) index), again every minute, and whenever a
notification is marked read in place."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("notifications/includes/bell.html", takes_context=True)
def notification_bell(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"show": user is not None and user.is_authenticated, "request": request}
