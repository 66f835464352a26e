"""`{% export_buttons "leads" %}`: the CSV and Excel buttons of a list page, carrying its current
filters, shown only to users who may export that list."""

from __future__ import annotations

from django import template
from django.urls import reverse

from ..registry import export_definition
from ..services import filter_query

register = template.Library()


@register.inclusion_tag("exports/buttons.html", takes_context=True)
def export_buttons(context, name: str, **extra):
    """`extra` filters are added to the query string, e.g. `scope="pool"` on the lead pool page."""
    request = context.get("request")
    definition = export_definition(name)
    user = getattr(request, "user", None)
    if definition is None or user is None or not user.is_authenticated or not user.has_action(definition.action):
        return {"show": False}
    params = request.GET.copy()
    for key, value in extra.items():
        params[key] = str(value)
    query = filter_query(params)
    return {
        "show": True,
        "action": reverse("exports:download", args=[name]) + (f"?{query}" if query else ""),
        "csrf_token": context.get("csrf_token"),
        "title": definition.title,
    }
