"""REST API of the duplicate review: the same selectors and services as the pages."""

from __future__ import annotations

from django.urls import reverse
from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams
from guanxi.core.api_schemas import Id, errors
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.permissions import require

from . import selectors, services
from .matcher import Reason, reasons_text
from .models import DuplicateGroup, DuplicateScan
from .schemas import GroupOut, GroupQuery, ScanOut
from .views import merge_url

router = Router(tags=["duplicates"])


def _groups_out(request, groups: list[DuplicateGroup], *, fields: bool = False) -> list[dict]:
    shown = selectors.duplicate_group_members(actor=request.auth, groups=groups, fields=fields)
    may_merge = request.auth.has_action("dataquality.merge")
    out = []
    for group in groups:
        members = shown.get(group.pk, [])
        live = [m.id for m in members if m.live]
        reasons = [Reason.from_json(r) for r in group.reasons]
        out.append({
            "id": group.pk, "entity": group.entity, "score": group.score, "size": group.size,
            "status": group.status, "resolved": len(live) < 2,
            "reasons": [{"code": r.code, "positive": r.positive, "value": r.value, "text": str(r)} for r in reasons],
            "reason_text": reasons_text(reasons),
            "members": [{"id": m.id, "live": m.live, "name": m.record.name if m.record is not None else "",
                         "url": m.url, "fields": [{"label": str(label), "value": value} for label, value in m.fields]
                         if fields else []} for m in members],
            "merge_url": merge_url(group, live) if may_merge else "",
        })
    return out


def _scan_out(scan: DuplicateScan) -> dict:
    job = scan.job
    return {
        "id": scan.pk, "status": scan.status, "job_id": scan.job_id, "job_status": job.status if job else None,
        "job_url": reverse("web:job", args=[job.pk]) if job else None, "done": job.done if job else None,
        "total": job.total if job else None, "started_at": scan.started_at, "finished_at": scan.finished_at,
        "customers": scan.customers, "contacts": scan.contacts, "customer_groups": scan.customer_groups,
        "contact_groups": scan.contact_groups,
    }


@router.get("/duplicate-groups", response={200: PageOut[GroupOut], **errors(400, 403, 422)},
            summary=_("List duplicate groups"))
def list_groups(request, filters: Query[GroupQuery], paging: Query[PageParams]):
    """Groups of the last finished scan whose every live member is in your data scope, surest first."""
    require(request.auth, "dataquality.scan")
    page = selectors.duplicate_group_page(actor=request.auth, entity=filters.entity, status=filters.status,
                                          cursor=paging.cursor or None, limit=paging.limit)
    return {"items": _groups_out(request, page.items), "next_cursor": page.next_cursor}


@router.get("/duplicate-groups/{group_id}", response={200: GroupOut, **errors(403, 404, 422)},
            summary=_("Get a duplicate group"))
def get_group(request, group_id: Id):
    """The members side by side: each with its fields, phones and emails masked unless you may see them."""
    group = selectors.duplicate_group_get(actor=request.auth, id=group_id)
    return _groups_out(request, [group], fields=True)[0]


@router.post("/duplicate-groups/{group_id}/dismiss", response={200: GroupOut, **errors(403, 404, 409, 422)},
             summary=_("Mark a group as not duplicates"))
def dismiss_group(request, group_id: Id):
    """Later scans never join any two of its members again. A second dismissal answers 409."""
    group = selectors.duplicate_group_get(actor=request.auth, id=group_id)
    group = services.duplicate_group_dismiss(actor=request.auth, group=group)
    return _groups_out(request, [group])[0]


@router.post("/duplicate-scans", response={202: ScanOut, **errors(403, 409)}, summary=_("Start a duplicate scan"))
def start_scan(request):
    """Scans every live customer and contact in the background; 409 `scan_running` while one runs.
    Follow it with GET /duplicate-scans/{id}."""
    scan = services.duplicate_scan_start(actor=request.auth)
    return Status(202, _scan_out(selectors.duplicate_scan_get(actor=request.auth, id=scan.pk)))


@router.get("/duplicate-scans/{scan_id}", response={200: ScanOut, **errors(403, 404, 422)},
            summary=_("Get a duplicate scan"))
def get_scan(request, scan_id: Id):
    return _scan_out(selectors.duplicate_scan_get(actor=request.auth, id=scan_id))
