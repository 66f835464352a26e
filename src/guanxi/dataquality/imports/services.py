"""Every write of imports: uploading a file, choosing its mapping and what duplicates do, starting the
run as a background job, saving mapping templates; and the job that takes the rows in."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import DomainError, NotFound
from guanxi.core.jobs import MAX_ATTEMPTS, job_file_path, job_progress, job_start
from guanxi.core.models import Job
from guanxi.core.permissions import require

from . import errors, mapping, reading, running
from .choices import DuplicateMode, ImportStatus
from .failed_rows import read_failures, write_files
from .models import Import, MappingTemplate
from .registry import Importable, importable

JOB_KIND = "imports.run"
UPLOAD_DIR = "imports"
FAILURES_LOG = "failed.jsonl"
FAILED_XLSX = "failed-rows.xlsx"
FAILED_CSV = "failed-rows.csv"


def max_upload_bytes() -> int:
    """The largest file accepted: IMPORT_MAX_MB in the settings or GUANXI_IMPORT_MAX_MB megabytes (100)."""
    configured = getattr(settings, "IMPORT_MAX_MB", None) or os.environ.get("GUANXI_IMPORT_MAX_MB") or 100
    return int(float(configured) * 1024 * 1024)


def importable_for(actor, entity: str) -> Importable:
    """The entity, if the actor may import it: dataquality.import and the entity's own right."""
    require(actor, "dataquality.import")
    found = importable(entity)
    if found is None:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"entity": [_("Choose one of the available options.")]})
    require(actor, found.action)
    return found


def _refuse_started(data_import: Import) -> None:
    if data_import.status != ImportStatus.DRAFT:
        raise DomainError(errors.NOT_DRAFT, _("This import has already been started; upload the file again to "
                                              "import it another way."))


def _store(upload, folder: Path) -> tuple[Path, str, int]:
    """Copy the upload to the data directory in blocks (it may be hundreds of megabytes), hashing it."""
    name = Path(str(getattr(upload, "name", "") or "upload")).name[-200:] or "upload"
    path = folder / name
    digest = hashlib.sha256()
    size = 0
    limit = max_upload_bytes()
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1024 * 1024), b"")
    with path.open("wb") as f:
        for block in chunks:
            size += len(block)
            if size > limit:
                raise reading.refuse(errors.TOO_LARGE, _("The file is larger than %(n)d MB. Split it into smaller "
                                                         "files.") % {"n": limit // (1024 * 1024)})
            digest.update(block)
            f.write(block)
    return path, digest.hexdigest(), size


def import_upload(*, actor, entity: str, upload) -> Import:
    """Keep the uploaded file, find its table and map its columns; nothing is imported yet."""
    target = importable_for(actor, entity)
    declared = getattr(upload, "size", None)
    if declared is not None and declared > max_upload_bytes():
        raise reading.refuse(errors.TOO_LARGE, _("The file is larger than %(n)d MB. Split it into smaller files.")
                             % {"n": max_upload_bytes() // (1024 * 1024)})
    relative = Path(UPLOAD_DIR) / uuid.uuid4().hex
    folder = Path(settings.MEDIA_ROOT) / relative
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path, digest, size = _store(upload, folder)
        with path.open("rb") as f:
            head = f.read(8)
        fmt = reading.file_format(path.name, head)
        layout = reading.analyse(path, fmt)
        total = reading.count_rows(path, layout)
        if not total:
            raise reading.refuse(errors.NO_ROWS, _("The file has column names but no rows to import."))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    template = mapping.best_template(actor, target.name, layout.headers)
    data_import = Import(
        entity=target.name, owner=actor, file=str(relative / path.name), file_name=path.name, file_size=size,
        file_hash=digest, file_format=fmt, encoding=layout.encoding, sheet=layout.sheet,
        header_row=layout.header_row, header_depth=layout.header_depth, headers=layout.headers,
        mapping=mapping.auto_map(target, layout.headers, template), total_rows=total,
    )
    with transaction.atomic():
        data_import.save()
        audit.record(actor, "import.uploaded", data_import,
                     extra={"entity": target.name, "rows": total, "size": size, "sha256": digest,
                            "template": template.name if template else ""})
    return data_import


def import_choose_sheet(*, actor, data_import: Import, sheet: str) -> Import:
    """Read another sheet of the workbook: its columns are found and mapped afresh."""
    target = _own(actor, data_import)
    _refuse_started(data_import)
    path = running.source_path(data_import)
    layout = reading.analyse(path, data_import.file_format, sheet=sheet)
    if layout.sheet != sheet:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"sheet": [_("Choose one of the available options.")]})
    total = reading.count_rows(path, layout)
    if not total:
        raise reading.refuse(errors.NO_ROWS, _("The file has column names but no rows to import."))
    data_import.sheet, data_import.header_row, data_import.header_depth = layout.sheet, layout.header_row, \
        layout.header_depth
    data_import.headers, data_import.total_rows = layout.headers, total
    data_import.mapping = mapping.auto_map(target, layout.headers,
                                           mapping.best_template(actor, target.name, layout.headers))
    data_import.save(update_fields=["sheet", "header_row", "header_depth", "headers", "total_rows", "mapping"])
    return data_import


def _own(actor, data_import: Import) -> Importable:
    """Only the user who uploaded a file changes or runs its import."""
    target = importable_for(actor, data_import.entity)
    if data_import.owner_id != getattr(actor, "pk", None):
        raise NotFound()
    return target


def import_set_mapping(*, actor, data_import: Import, columns: list[str], template_name: str = "") -> Import:
    """Choose the field of each column; with `template_name`, also keep the choice as a template."""
    target = _own(actor, data_import)
    _refuse_started(data_import)
    cleaned = mapping.clean_mapping(target, data_import.headers, columns)
    with transaction.atomic():
        data_import.mapping = cleaned
        data_import.save(update_fields=["mapping"])
        if template_name.strip():
            template_save(actor=actor, entity=target.name, name=template_name, headers=data_import.headers,
                          columns=cleaned)
    return data_import


def import_set_options(*, actor, data_import: Import, duplicate_mode: str) -> Import:
    _own(actor, data_import)
    _refuse_started(data_import)
    if duplicate_mode not in DuplicateMode.values:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"duplicate_mode": [_("Choose one of the available options.")]})
    data_import.duplicate_mode = duplicate_mode
    data_import.save(update_fields=["duplicate_mode"])
    return data_import


def import_start(*, actor, data_import: Import) -> Job:
    """Queue the run; the rows are taken in by a background job (the progress page follows it)."""
    target = _own(actor, data_import)
    mapping.clean_mapping(target, data_import.headers, data_import.mapping)
    with transaction.atomic():
        started = Import.objects.filter(pk=data_import.pk, status=ImportStatus.DRAFT).update(
            status=ImportStatus.QUEUED)
        if not started:
            _refuse_started(Import(status=ImportStatus.QUEUED))
        job = job_start(actor=actor, kind=JOB_KIND, params={"import": data_import.pk}, total=data_import.total_rows)
        Import.objects.filter(pk=data_import.pk).update(job=job)
        data_import.status, data_import.job = ImportStatus.QUEUED, job
        audit.record(actor, "import.started", data_import,
                     extra={"entity": target.name, "mode": data_import.duplicate_mode, "rows": data_import.total_rows})
    return job


# -- templates --


def template_save(*, actor, entity: str, name: str, headers: list[str], columns: list[str]) -> MappingTemplate:
    """Keep a mapping under a name; saving under a name already used replaces that template."""
    importable_for(actor, entity)
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"template_name": [_("Give the template a name of at most 80 characters.")]})
    known = mapping.template_columns(headers, columns)
    with transaction.atomic():
        template, created = MappingTemplate.objects.update_or_create(
            owner=actor, entity=entity, name=name, defaults={"columns": known})
        audit.record(actor, "import_template.saved", template, extra={"entity": entity, "created": created})
    return template


def template_delete(*, actor, template: MappingTemplate) -> None:
    require(actor, "dataquality.import")
    if template.owner_id != getattr(actor, "pk", None):
        raise NotFound()
    with transaction.atomic():
        audit.record(actor, "import_template.deleted", template)
        template.delete()


# -- the job --


def failed_files(data_import: Import) -> dict[str, Path]:
    """Where the run left the file of failed rows, by format; empty before it is written."""
    job = data_import.job
    if job is None or not job.file:
        return {}
    xlsx = Path(settings.MEDIA_ROOT) / job.file
    return {"xlsx": xlsx, "csv": xlsx.with_name(FAILED_CSV)}


def run_import_job(job: Job) -> None:
    """What the worker runs: every row in, then the report and the file of failed rows."""
    data_import = Import.objects.select_related("owner").filter(pk=job.params.get("import")).first()
    if data_import is None or data_import.owner is None:
        raise DomainError("not_found", _("This import no longer exists."))
    actor = data_import.owner
    try:
        # Rights are checked again when the work starts: they may have been taken away meanwhile.
        target = importable_for(actor, data_import.entity)
        Import.objects.filter(pk=data_import.pk).update(status=ImportStatus.RUNNING)
        folder = (Path(settings.MEDIA_ROOT) / data_import.file).parent
        log_path = folder / FAILURES_LOG
        running.run(data_import, target, actor, failures_file=log_path,
                    progress=lambda done, total: job_progress(job, done, total))
    except DomainError as exc:
        _finish(data_import, ImportStatus.FAILED, actor, error=str(exc.message))
        raise
    except Exception:
        if job.attempts >= MAX_ATTEMPTS:
            _finish(data_import, ImportStatus.FAILED, actor, error="")
        raise
    failures = read_failures(log_path)
    if failures:
        xlsx = job_file_path(job, FAILED_XLSX)
        write_files(failures, data_import.headers, xlsx, xlsx.with_name(FAILED_CSV))
    job.result = {"import": data_import.pk, "created": data_import.created, "updated": data_import.updated,
                  "skipped": data_import.skipped, "failed": data_import.failed}
    _finish(data_import, ImportStatus.DONE, actor)


def _finish(data_import: Import, status: str, actor, *, error: str = "") -> None:
    now = timezone.now()
    with transaction.atomic():
        Import.objects.filter(pk=data_import.pk).update(status=status, finished_at=now)
        data_import.status, data_import.finished_at = status, now
        audit.record(actor, "import.finished" if status == ImportStatus.DONE else "import.failed", data_import,
                     extra={"created": data_import.created, "updated": data_import.updated,
                            "skipped": data_import.skipped, "failed": data_import.failed, "error": error})
    events.emit(f"import.{status}", {"id": data_import.pk, "entity": data_import.entity})
