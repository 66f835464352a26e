"""Pages of the duplicate review: the groups the last scan found, one group side by side, starting a scan
and dismissing a group."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.customers.views.common import guarded, render_listing

from . import selectors, services
from .choices import DuplicateEntity, GroupStatus
from .matcher import Reason, reasons_text
from .models import DuplicateGroup

PAGE_SIZE = 50


def merge_url(group: DuplicateGroup, live_ids: list[int]) -> str:
    """The merge page for the group's live records, "" when fewer than two are left or merging is not installed."""
    if len(live_ids) < 2:
        return ""
    try:
        base = reverse("merging:compare")
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode({'entity': group.entity, 'ids': ','.join(str(i) for i in live_ids)})}"


def _row(group: DuplicateGroup, members, actor) -> dict:
    live = [m for m in members if m.live]
    return {
        "group": group,
        "members": members,
        "live": live,
        "resolved": len(live) < 2,
        "reasons": reasons_text(Reason.from_json(r) for r in group.reasons),
        "merge_url": merge_url(group, [m.id for m in live]) if actor.has_action("dataquality.merge") else "",
    }


def _choice(value: str, choices, default: str) -> str:
    return value if value in choices else default


@guarded("dataquality.scan")
def group_list(request):
    entity = _choice(request.GET.get("entity", ""), DuplicateEntity.values, DuplicateEntity.CUSTOMER)
    status = _choice(request.GET.get("status", ""), GroupStatus.values, GroupStatus.OPEN)
    error = ""
    try:
        page = selectors.duplicate_group_page(actor=request.user, entity=entity, status=status,
                                              cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except DomainError as exc:
        error = str(exc.message)
        page = selectors.duplicate_group_page(actor=request.user, entity=entity, status=status, cursor=None,
                                              limit=PAGE_SIZE)
    members = selectors.duplicate_group_members(actor=request.user, groups=page.items, fields=False)
    context = {
        "rows": [_row(g, members.get(g.pk, []), request.user) for g in page.items],
        "page": page,
        "entity": entity,
        "status": status,
        "entities": DuplicateEntity.choices,
        "statuses": GroupStatus.choices,
        "latest": selectors.duplicate_scan_latest(actor=request.user),
        "running": selectors.duplicate_scan_running(actor=request.user),
        "error": error,
    }
    return render_listing(request, "duplicates/group_list.html", context, status=400 if error else 200)


@guarded("dataquality.scan")
def group_detail(request, pk: int):
    group = selectors.duplicate_group_get(actor=request.user, id=pk)
    members = selectors.duplicate_group_members(actor=request.user, groups=[group]).get(group.pk, [])
    row = _row(group, members, request.user)
    first = next((m for m in members if m.fields), None)
    labels = [label for label, _value in first.fields] if first else []
    table = [(label, [m.fields[i][1] if m.fields else "" for m in members]) for i, label in enumerate(labels)]
    return render(request, "duplicates/group_detail.html", {**row, "table": table})


@require_POST
@guarded("dataquality.scan")
def scan_start(request):
    try:
        scan = services.duplicate_scan_start(actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("duplicates:list")
    messages.success(request, _("The duplicate scan has started."))
    return redirect("web:job", pk=scan.job_id) if scan.job_id else redirect("duplicates:list")


@require_POST
@guarded("dataquality.scan")
def group_dismiss(request, pk: int):
    group = selectors.duplicate_group_get(actor=request.user, id=pk)
    try:
        services.duplicate_group_dismiss(actor=request.user, group=group)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("duplicates:detail", pk=group.pk)
    messages.success(request, _("Marked as not duplicates; later scans will keep these records apart."))
    return redirect(f"{reverse('duplicates:list')}?{urlencode({'entity': group.entity})}")
