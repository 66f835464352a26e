"""The audit log (操作日志): who changed what, from where; newest first, paged by cursor."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render

from guanxi.core.errors import DomainError

from .. import selectors
from ..forms import AuditFilterForm
from .common import admin_page


@admin_page("org.view_audit")
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.AuditFilters()
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.audit_page(actor=request.user, filters=filters, cursor=cursor)
    except DomainError as exc:
        messages.warning(request, str(exc.message))
        page = selectors.audit_page(actor=request.user, filters=filters, cursor=None)
    query = request.GET.copy()
    query.pop("cursor", None)
    events = [{"event": e, "changes": _changes(e.changes)} for e in page.items]
    return render(request, "org/audit_list.html",
                  {"page": page, "events": events, "filter_form": form, "query": query.urlencode()})


def _changes(changes) -> list[dict]:
    """Field changes as rows of (field, before, after); anything else stored is shown as it is."""
    rows = []
    for field, value in (changes or {}).items() if isinstance(changes, dict) else []:
        if isinstance(value, list | tuple) and len(value) == 2:
            rows.append({"field": field, "before": value[0], "after": value[1]})
        else:
            rows.append({"field": field, "before": None, "after": value})
    return rows
