"""`{% load approvals %}{% approval_panel record %}`: the approval block of a record's page — the
step under way, who must decide, the history, and the viewer's decision form when it is their turn."""

from __future__ import annotations

from django import template
from django.db import models

from guanxi.core.errors import NotFound

from .. import selectors
from ..choices import Decision
from ..registry import find_approvable

register = template.Library()


@register.inclusion_tag("automation/approval_panel.html", takes_context=True)
def approval_panel(context, record: models.Model) -> dict:
    request = context.get("request")
    actor = getattr(request, "user", None)
    approvable = find_approvable(record._meta.label_lower) if record is not None else None
    if approvable is None or actor is None or not actor.is_authenticated:
        return {"approvable": None}
    try:
        history = selectors.approval_history(actor=actor, record=record)
    except NotFound:
        return {"approvable": None}
    views = [selectors.approval_request_view(actor=actor, request=r) for r in history]
    current = next((v for v in views if v.request.is_pending), None)
    return {
        "approvable": approvable,
        "current": current,
        "latest": views[0] if views else None,
        "history": views,
        "decisions": Decision.choices,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
