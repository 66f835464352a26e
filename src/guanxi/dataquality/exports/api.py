"""REST API of exports: export any registered list with the list page's filters; a small export
answers with the file, a big one with the background job to poll and download."""

from __future__ import annotations

import contextlib
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Status

from guanxi.core.api_schemas import Id, errors
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.errors import Conflict, NotFound
from guanxi.core.models import Job, JobStatus

from . import selectors, services
from .registry import export_definitions
from .schemas import ExportIn, ExportJobOut, ExportListOut
from .services import ExportFile
from .views import file_response

router = Router(tags=["exports"])

_FILE_RESPONSES = {"200": {"description": "The file (small exports).", "content": {
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}}}}}


def _params(filters: dict) -> QueryDict:
    """The filters as the list page would receive them in its query string."""
    params = QueryDict(mutable=True)
    for key, value in filters.items():
        if value is None:
            continue
        params[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return params


@contextlib.contextmanager
def _users_time_zone(user):
    """Token clients skip the middleware that sets a signed-in user's zone; dates follow it all the same."""
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone) if getattr(user, "time_zone", "") else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        yield
        return
    with timezone.override(zone):
        yield


def _job_out(job: Job) -> dict:
    params = job.params or {}
    done = job.status == JobStatus.DONE and bool(job.file)
    return {
        "id": job.pk, "list": str(params.get("list", "")), "format": str(params.get("format", "")),
        "status": job.status, "done": job.done, "total": job.total, "rows": (job.result or {}).get("rows"),
        "error": job.error, "page_url": reverse("web:job", args=[job.pk]),
        "download_url": reverse("api:export_file", kwargs={"job_id": job.pk}) if done else None,
    }


@router.get("/exports/lists", response={200: list[ExportListOut], **errors()}, summary=_("Lists that can be exported"))
def list_exportable(request):
    return [{"name": d.name, "title": str(d.title), "allowed": request.auth.has_action(d.action)}
            for d in export_definitions()]


@router.post("/exports", response={202: ExportJobOut, **errors(400, 403, 422)}, summary=_("Export a list"),
             openapi_extra={"responses": _FILE_RESPONSES})
def create_export(request, payload: ExportIn):
    """The list's rows in your data scope, filtered as on the list page, phones and emails masked unless
    you may see them. Up to the background threshold (5,000 rows by default) the answer is the file
    itself (200); above it a background job starts (202): poll GET /exports/{id}, then download."""
    with _users_time_zone(request.auth):
        result = services.export_start(actor=request.auth, name=payload.list, fmt=payload.format,
                                       params=_params(payload.filters))
    if isinstance(result, ExportFile):
        return file_response(result)
    return Status(202, _job_out(result))


@router.get("/exports/{job_id}", response={200: ExportJobOut, **errors(404, 422)}, summary=_("Get an export job"))
def get_export(request, job_id: Id):
    """Only the user who started the export sees it; anyone else gets 404."""
    return _job_out(selectors.export_job_get(actor=request.auth, id=job_id))


@router.get("/exports/{job_id}/file", response={**errors(404, 409, 422)}, url_name="export_file",
            summary=_("Download an export"), openapi_extra={"responses": _FILE_RESPONSES})
def download_export(request, job_id: Id):
    job = selectors.export_job_get(actor=request.auth, id=job_id)
    if job.status != JobStatus.DONE:
        raise Conflict("export_not_ready", _("The export is not finished yet."))
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / job.file).resolve() if job.file else None
    if path is None or root not in path.parents or not path.is_file():
        raise NotFound()
    response = FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name or path.name,
                            content_type=services.CONTENT_TYPES.get(str((job.params or {}).get("format")),
                                                                    "application/octet-stream"))
    response["Cache-Control"] = "private, no-store"
    return response
