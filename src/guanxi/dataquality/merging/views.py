"""Pages of merging: compare duplicates and merge them, the merge history with undo, and the block a
record's page shows ("merged from …", "Merge with…")."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.permissions import require

from . import selectors, services
from .registry import MergeEntity, merge_entities, merge_entity

PAGE_SIZE = 50


def _error_page(request, status: int, message: object = None):
    if message is None:
        message = _("This page does not exist, or you cannot see it.") if status == 404 else _(
            "You do not have permission to do this.")
    return render(request, "merging/error.html", {"status": status, "message": message}, status=status)


def _guarded(view):
    """Signed in and holding the merge right; NotFound and Forbidden from below become the 404 and 403 pages
    (the same rule as the customer pages, which this app may not import)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            require(request.user, selectors.MERGE_ACTION)
            return view(request, *args, **kwargs)
        except NotFound:
            return _error_page(request, 404)
        except Forbidden as exc:
            return _error_page(request, 403, exc.message)

    return wrapper


def _record_url(entity: MergeEntity, pk: int) -> str:
    return entity.url(pk) if entity.url else ""


def compare_url(entity: str, ids: list[int], **extra: Any) -> str:
    query = {"entity": entity, "ids": ",".join(str(i) for i in ids), **{k: v for k, v in extra.items() if v}}
    return f"{reverse('merging:compare')}?{urlencode(query)}"


def _survivor_param(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


@_guarded
def compare(request):
    """GET `?entity=customer&ids=12,34[,56][&survivor=34]`: the records side by side; POST merges them.

    With a single id it is the "Merge with…" step: find the record to merge with.
    """
    params = request.POST if request.method == "POST" else request.GET
    try:
        definition = merge_entity(params.get("entity") or "customer")
        ids = selectors.parse_ids(params.get("ids", ""))
    except DomainError as exc:
        return _error_page(request, 400, exc.message)
    if len(ids) == 1:
        return _pick_other(request, definition, ids[0])
    survivor_id = _survivor_param(params.get("survivor"))
    error = None
    if request.method == "POST":
        survivor_id = survivor_id or (ids[0] if ids else None)
        choices = {key.removeprefix("field__"): value for key, value in request.POST.items()
                   if key.startswith("field__")}
        try:
            merge = services.merge_records(actor=request.user, entity=definition.name, survivor=survivor_id,
                                           others=[pk for pk in ids if pk != survivor_id], field_choices=choices)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            error = exc
        else:
            count = merge.merged.count()
            messages.success(request, ngettext(
                "Merged %(count)d record into “%(name)s”. You can undo this from the merge history.",
                "Merged %(count)d records into “%(name)s”. You can undo this from the merge history.",
                count) % {"count": count, "name": merge.survivor_repr})
            return redirect(_record_url(definition, merge.survivor_id) or reverse("merging:detail",
                                                                                  args=[merge.pk]))
    try:
        preview = selectors.merge_preview(actor=request.user, entity=definition.name, ids=ids,
                                          survivor_id=survivor_id)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _error_page(request, 400, exc.message)
    posted = {key.removeprefix("field__"): value for key, value in request.POST.items()
              if key.startswith("field__")} if error else {}
    rows = [{"row": row, "choice": _posted_choice(posted.get(row.field.name), row.default)}
            for row in preview.differing]
    context = {
        "preview": preview, "entity": definition, "rows": rows, "error": error,
        "ids_param": ",".join(str(r.pk) for r in preview.records),
        "columns": [{"record": r, "url": _record_url(definition, r.pk), "is_survivor": r.pk == preview.survivor.pk,
                     "keep_url": compare_url(definition.name, ids, survivor=r.pk)} for r in preview.records],
        "counts": [{"count": c, "cells": [c.per_record.get(r.pk, 0) for r in preview.records]}
                   for c in preview.counts if any(c.per_record.values())],
    }
    return render(request, "merging/compare.html", context, status=400 if error else 200)


def _posted_choice(raw: str | None, default: int) -> int:
    value = _survivor_param(raw)
    return value if value is not None else default


def _pick_other(request, definition: MergeEntity, record_id: int):
    record = selectors.merge_start(actor=request.user, entity=definition.name, id=record_id)
    q = request.GET.get("q", "")
    found = selectors.merge_search(actor=request.user, entity=definition.name, q=q, exclude=[record.pk])
    return render(request, "merging/pick.html", {
        "entity": definition, "record": record, "q": q, "searchable": definition.search is not None,
        "results": [{"record": r, "url": compare_url(definition.name, [record.pk, r.pk])} for r in found],
    })


def _listing(request, template: str, context: dict):
    """The `results` fragment when HTMX swaps it (paging), otherwise the whole page."""
    htmx = getattr(request, "htmx", None)
    name = f"{template}#results" if htmx and htmx.target == "results" and not htmx.history_restore_request else template
    response = render(request, name, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _entity_or_none(name: str) -> MergeEntity | None:
    try:
        return merge_entity(name)
    except DomainError:
        return None


@_guarded
def merge_list(request):
    """The merge history of records in the user's scope, newest first, each with its undo button."""
    entity = request.GET.get("entity", "")
    if entity and _entity_or_none(entity) is None:
        entity = ""
    page, error = None, None
    try:
        page = selectors.merge_page(actor=request.user, entity=entity, cursor=request.GET.get("cursor") or None,
                                    limit=PAGE_SIZE)
    except DomainError as exc:
        error = exc
    rows = []
    for merge in page.items if page else []:
        definition = _entity_or_none(merge.entity)
        rows.append({
            "merge": merge, "summary": selectors.merge_summary(merge),
            "entity_label": definition.label if definition else merge.entity,
            "survivor_url": _record_url(definition, merge.survivor_id) if definition else "",
        })
    return _listing(request, "merging/merge_list.html", {
        "page": page, "rows": rows, "error": error, "entity": entity,
        "entities": [(e.name, e.plural) for e in merge_entities()],
    })


@_guarded
def merge_detail(request, pk: int):
    merge = selectors.merge_get(actor=request.user, id=pk)
    definition = _entity_or_none(merge.entity)
    summary = selectors.merge_summary(merge)
    return render(request, "merging/merge_detail.html", {
        "merge": merge, "summary": summary, "entity_label": definition.label if definition else merge.entity,
        "survivor_url": _record_url(definition, merge.survivor_id) if definition else "",
        "fields": selectors.field_labels(merge, summary["changed_fields"]),
        "kept_fields": selectors.field_labels(merge, summary["undo_report"].get("fields", [])),
        "skipped": selectors.report_rows(merge),
    })


@require_POST
@_guarded
def merge_undo(request, pk: int):
    merge = selectors.merge_get(actor=request.user, id=pk)
    try:
        merge = services.merge_undo(actor=request.user, merge=merge)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    else:
        report = merge.undo_report or {}
        if report.get("fields") or report.get("rows"):
            messages.warning(request, _("The merge was undone, except for what changed since; see below."))
        else:
            messages.success(request, _("The merge was undone."))
    return redirect("merging:detail", pk=merge.pk)


def record_section(entity: str) -> Callable[[Any, Any], dict]:
    """The context of the block a record's page shows: what was merged into it and a "Merge with…" button.

    Register it on the page of the entity's records, e.g. with the customer page's
    `register_detail_section("merging", "merging/record_section.html", record_section("customer"))`.
    """

    def context(request, record) -> dict:
        definition = merge_entity(entity)
        actor = request.user
        can_merge = actor.has_action(selectors.MERGE_ACTION) and actor.has_action(definition.edit_action)
        return {
            "merged_from": selectors.merged_from(entity=entity, id=record.pk),
            "can_merge": can_merge,
            "merge_url": compare_url(entity, [record.pk]) if can_merge else "",
            "entity": definition,
        }

    return context
