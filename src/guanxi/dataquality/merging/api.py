"""REST API of merging: merge duplicates, list merges, undo one; the same selectors and services as the pages."""

from __future__ import annotations

from ninja import Query, Router, Status

from guanxi.core.api_paging import PageOut, PageParams
from guanxi.core.api_schemas import Id, errors
from guanxi.core.api_schemas import lazy_text as _

from . import selectors, services
from .schemas import MergeIn, MergeOut, MergeQuery, PreviewOut, PreviewQuery

router = Router(tags=["merging"])


@router.get("/merges/preview", response={200: PreviewOut, **errors(400, 403, 404, 422)},
            summary=_("Compare records before merging them"))
def preview(request, query: Query[PreviewQuery]):
    """The records side by side: each field's values (phones and emails masked without the right to see
    them), which record keeps it by default, and how many rows of each kind would move."""
    ids = selectors.parse_ids(query.ids)
    found = selectors.merge_preview(actor=request.auth, entity=query.entity, ids=ids, survivor_id=query.survivor_id)
    return {
        "entity": found.entity.name,
        "survivor_id": found.survivor.pk,
        "records": [{"id": r.pk, "name": str(r)} for r in found.records],
        "fields": [{"name": row.field.name, "label": row.field.label, "differs": row.differs,
                    "default_record_id": row.default, "locked": row.locked,
                    "values": [{"record_id": pk, "value": shown} for pk, shown in row.values]} for row in found.rows],
        "moves": [{"key": c.key, "label": str(c.label), "moving": c.moving,
                   "per_record": [{"record_id": r.pk, "count": c.per_record.get(r.pk, 0)} for r in found.records]}
                  for c in found.counts],
    }


@router.post("/merges", response={201: MergeOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Merge duplicate records"))
def create_merge(request, payload: MergeIn):
    """Merges `other_ids` into `survivor_id` in one transaction: the survivor keeps the chosen field values,
    everything linked to the others moves to it, and the others go to the recycle bin. Needs the merge right
    and edit access to every record."""
    merge = services.merge_records(actor=request.auth, entity=payload.entity, survivor=payload.survivor_id,
                                   others=payload.other_ids, field_choices=payload.fields)
    return Status(201, selectors.merge_summary(selectors.merge_get(actor=request.auth, id=merge.pk)))


@router.get("/merges", response={200: PageOut[MergeOut], **errors(400, 403, 422)}, summary=_("List merges"))
def list_merges(request, query: Query[MergeQuery], paging: Query[PageParams]):
    """Merges whose kept record is in your data scope, newest first."""
    page = selectors.merge_page(actor=request.auth, entity=query.entity, cursor=paging.cursor or None,
                                limit=paging.limit)
    return {"items": [selectors.merge_summary(m) for m in page.items], "next_cursor": page.next_cursor}


@router.get("/merges/{merge_id}", response={200: MergeOut, **errors(403, 404, 422)}, summary=_("Get a merge"))
def get_merge(request, merge_id: Id):
    return selectors.merge_summary(selectors.merge_get(actor=request.auth, id=merge_id))


@router.post("/merges/{merge_id}/undo", response={200: MergeOut, **errors(400, 403, 404, 409, 422)},
             summary=_("Undo a merge"))
def undo_merge(request, merge_id: Id):
    """Puts the survivor's fields and every moved row back and brings the merged records out of the recycle
    bin. Refused (400) when the merge was undone already, a record of it was merged again later, or a record
    was deleted for good; what changed since the merge stays, and `undo_report` says what."""
    merge = selectors.merge_get(actor=request.auth, id=merge_id)
    services.merge_undo(actor=request.auth, merge=merge)
    return selectors.merge_summary(selectors.merge_get(actor=request.auth, id=merge_id))
