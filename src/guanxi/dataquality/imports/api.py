"""REST API of imports: upload a file (multipart), see the mapping found and a preview, change them, run
the import as a background job, read its counts and download the failed rows."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from guanxi.core.api_schemas import Id, errors
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.errors import NotFound
from guanxi.core.permissions import require

from . import selectors, services
from .schemas import (
    FailedRowsQuery,
    ImportCreatedOut,
    ImportOut,
    ImportPatch,
    PreviewOut,
    PreviewQuery,
    RunOut,
    TemplateOut,
    TemplateQuery,
)

router = Router(tags=["imports"])

ACTION = "dataquality.import"
HISTORY = 100


def _own(request, import_id: int):
    data_import = selectors.import_get(actor=request.auth, id=import_id)
    if data_import.owner_id != request.auth.pk:
        raise NotFound()
    return data_import


@router.post("/imports", response={201: ImportCreatedOut, **errors(400, 403, 413, 422)},
             summary=_("Upload a file to import"))
def upload(request, entity: Form[str], file: File[UploadedFile]):
    """`entity` is customers, contacts or leads; `file` a CSV (UTF-8 or GBK), .xlsx or .xls file. Answers with
    the columns found, the field each was matched to, and a preview of the first rows. Nothing is imported
    until POST /imports/{id}/run."""
    require(request.auth, ACTION)
    data_import = services.import_upload(actor=request.auth, entity=entity[:40], upload=file)
    # Rendered by ImportCreatedOut: the import's own fields and this preview.
    data_import.preview = selectors.import_preview(  # type: ignore[attr-defined]
        actor=request.auth, data_import=data_import)
    return Status(201, data_import)


@router.get("/imports", response={200: list[ImportOut], **errors(403)}, summary=_("List your imports"))
def list_imports(request):
    """Your imports, newest first (the last 100)."""
    return list(selectors.import_list(actor=request.auth)[:HISTORY])


@router.get("/imports/templates", response={200: list[TemplateOut], **errors(403, 422)},
            summary=_("List your saved mappings"))
def list_templates(request, query: Query[TemplateQuery]):
    return list(selectors.template_list(actor=request.auth, entity=query.entity or None))


@router.delete("/imports/templates/{template_id}", response={204: None, **errors(403, 404, 422)},
               summary=_("Delete a saved mapping"))
def delete_template(request, template_id: Id):
    template = selectors.template_get(actor=request.auth, id=template_id)
    services.template_delete(actor=request.auth, template=template)
    return Status(204, None)


@router.get("/imports/{import_id}", response={200: ImportOut, **errors(403, 404, 422)},
            summary=_("Get an import"))
def get_import(request, import_id: Id):
    """Its status, mapping and counts: created, updated, skipped and failed rows so far."""
    return selectors.import_get(actor=request.auth, id=import_id)


@router.get("/imports/{import_id}/preview", response={200: PreviewOut, **errors(403, 404, 422)},
            summary=_("Preview an import"))
def preview_import(request, import_id: Id, query: Query[PreviewQuery]):
    """The first rows checked as the run will take them in: errors, matching records, and what each would do."""
    data_import = _own(request, import_id)
    return selectors.import_preview(actor=request.auth, data_import=data_import, limit=query.limit)


@router.patch("/imports/{import_id}", response={200: ImportOut, **errors(400, 403, 404, 422)},
             summary=_("Change the mapping or options of an import"))
def update_import(request, import_id: Id, payload: ImportPatch):
    """`mapping` has one field key per column ("" leaves it out); `template_name` also saves it as a template.
    `duplicate_mode`: skip, update (records you may edit) or create."""
    data_import = _own(request, import_id)
    if payload.sheet is not None:
        data_import = services.import_choose_sheet(actor=request.auth, data_import=data_import, sheet=payload.sheet)
    if payload.mapping is not None:
        data_import = services.import_set_mapping(actor=request.auth, data_import=data_import,
                                                  columns=payload.mapping, template_name=payload.template_name)
    if payload.duplicate_mode is not None:
        data_import = services.import_set_options(actor=request.auth, data_import=data_import,
                                                  duplicate_mode=payload.duplicate_mode)
    return selectors.import_get(actor=request.auth, id=data_import.pk)


@router.post("/imports/{import_id}/run", response={202: RunOut, **errors(400, 403, 404, 422)},
             summary=_("Run an import"))
def run_import(request, import_id: Id):
    """Starts the import as a background job; follow it with GET /imports/{id} (or the job page)."""
    data_import = _own(request, import_id)
    job = services.import_start(actor=request.auth, data_import=data_import)
    data_import.refresh_from_db()
    return Status(202, {"import_id": data_import.pk, "job_id": job.pk, "status": data_import.status})


@router.get("/imports/{import_id}/failed-rows", response={200: None, **errors(403, 404, 422)},
            summary=_("Download the failed rows"))
def failed_rows(request, import_id: Id, query: Query[FailedRowsQuery]):
    """The rows that could not be imported, in the file's own columns with the reason added, as XLSX or CSV."""
    data_import = selectors.import_get(actor=request.auth, id=import_id)
    path = services.failed_files(data_import).get(query.format)
    root = Path(settings.MEDIA_ROOT).resolve()
    if path is None or root not in path.resolve().parents or not path.is_file():
        raise NotFound()
    name = f"{Path(data_import.file_name).stem}-failed-rows.{query.format}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
