"""Exporting a list as the user filtered it: the same filters, selector (data scope) and masking as
the list page; small exports are written while the user waits, big ones by a background job whose
file only its owner downloads. Every export is audited: who, which list, filters, format, rows.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core import audit
from guanxi.core.errors import DomainError, Forbidden
from guanxi.core.jobs import job_file_path, job_progress, job_start
from guanxi.core.models import Job
from guanxi.core.paging import bounded_count, keyset_page
from guanxi.core.permissions import require

from .registry import Column, ExportDefinition, export_definition
from .writers import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    csv_lines,
    csv_row,
    new_xlsx,
    write_xlsx,
    xlsx_cell_maker,
)

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}
# Rows read per query: big enough that a million rows is a thousand queries, small enough for flat memory.
CHUNK = 1000
# Above this many rows (settings.EXPORT_BACKGROUND_ROWS) an export runs as a background job.
DEFAULT_BACKGROUND_ROWS = 5000
# Parameters of a list page that are not filters.
NOT_FILTERS = {"cursor", "format", "list", "csrfmiddlewaretoken"}
MAX_PARAMS = 40
MAX_VALUE = 200


def background_threshold() -> int:
    return int(getattr(settings, "EXPORT_BACKGROUND_ROWS", DEFAULT_BACKGROUND_ROWS))


def filter_query(params) -> str:
    """The filter part of a list's query string, re-encoded: each parameter once (the value the list
    page reads), blank ones dropped, lengths bounded. Stored on the job and in the audit event."""
    kept = QueryDict(mutable=True)
    for key in list(params)[:MAX_PARAMS]:
        name = str(key)[:MAX_VALUE]
        if name in NOT_FILTERS:
            continue
        value = str(params.get(key) if params.get(key) is not None else "").strip()[:MAX_VALUE]
        if value:
            kept[name] = value
    return kept.urlencode()


@dataclass
class PreparedExport:
    """An export request that passed every check: the list, the format, the parsed filters."""

    definition: ExportDefinition
    format: str
    filters: Any
    query: str


@dataclass
class ExportFile:
    """A small export ready to send: CSV as a stream of text, XLSX as a temporary file."""

    file_name: str
    content_type: str
    rows: int
    stream: Iterator[str] | None = None
    file: IO[bytes] | None = None


def export_prepare(*, actor, name: str, fmt: str, params) -> PreparedExport:
    """Refuse an unknown list (400), a user without the list's export action (403), an unknown
    format or a filter the list page would refuse (400)."""
    definition = export_definition(str(name))
    if definition is None:
        raise DomainError("unknown_list", _("There is no such list to export."),
                          {"list": [_("Choose one of the lists that can be exported.")]})
    require(actor, definition.action)
    fmt = str(fmt).strip().lower()
    if fmt not in FORMATS:
        raise DomainError("unknown_format", _("Choose CSV or Excel (xlsx) as the format."),
                          {"format": [_("Choose CSV or Excel (xlsx) as the format.")]})
    query = filter_query(params)
    # The filters are read back from the stored query, so a background job applies exactly these.
    filters = definition.filters_from_query(QueryDict(query))
    return PreparedExport(definition, fmt, filters, query)


def export_start(*, actor, name: str, fmt: str, params) -> ExportFile | Job:
    """Up to the background threshold the file is made now; above it a job is started and returned."""
    prepared = export_prepare(actor=actor, name=name, fmt=fmt, params=params)
    definition = prepared.definition
    count, more = bounded_count(definition.rows(actor=actor, filters=prepared.filters), background_threshold())
    tz = timezone.get_current_timezone()
    if more:
        return job_start(actor=actor, kind=definition.job_kind, params={
            "list": definition.name, "format": prepared.format, "query": prepared.query,
            "time_zone": timezone.get_current_timezone_name()})
    language = translation.get_language() or settings.LANGUAGE_CODE
    columns = definition.all_columns(actor)
    header = [str(c.label) for c in columns]
    file_name = _file_name(definition, prepared.format, tz)
    if prepared.format == "csv":
        _audit(actor, prepared, rows=count)
        chunks = _chunks(prepared, actor, columns, lambda values: csv_row(values, tz), language=language, tz=tz)
        return ExportFile(file_name, CSV_CONTENT_TYPE, count, stream=csv_lines(header, chunks))
    workbook, sheet = new_xlsx(str(definition.title), header, columns)
    make = xlsx_cell_maker(sheet, columns, tz)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    try:
        rows = write_xlsx(out, workbook, sheet, _chunks(prepared, actor, columns, make, language=language, tz=tz))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    _audit(actor, prepared, rows=rows)
    return ExportFile(file_name, XLSX_CONTENT_TYPE, rows, file=out)


def export_run(job: Job) -> None:
    """The background job: the same checks again (the owner's rights may have changed since), then
    the file at the job's path; progress after every chunk."""
    params = job.params or {}
    actor = job.owner
    if actor is None:
        raise Forbidden()
    prepared = export_prepare(actor=actor, name=str(params.get("list", "")), fmt=str(params.get("format", "")),
                              params=QueryDict(str(params.get("query", ""))))
    definition = prepared.definition
    tz = _zone(str(params.get("time_zone", "")))
    # execute_job has switched to the owner's language already.
    language = translation.get_language() or settings.LANGUAGE_CODE
    total = definition.rows(actor=actor, filters=prepared.filters).order_by().count()
    job_progress(job, 0, total)
    columns = definition.all_columns(actor)
    header = [str(c.label) for c in columns]
    path = job_file_path(job, _file_name(definition, prepared.format, tz))

    def progress(done: int) -> None:
        job_progress(job, done)

    if prepared.format == "csv":
        chunks = _chunks(prepared, actor, columns, lambda values: csv_row(values, tz), language=language, tz=tz,
                         progress=progress)
        with path.open("w", encoding="utf-8", newline="") as out:
            for text in csv_lines(header, chunks):
                out.write(text)
        rows = job.done
    else:
        workbook, sheet = new_xlsx(str(definition.title), header, columns)
        chunks = _chunks(prepared, actor, columns, xlsx_cell_maker(sheet, columns, tz), language=language, tz=tz,
                         progress=progress)
        rows = write_xlsx(str(path), workbook, sheet, chunks)
    job.result = {"list": definition.name, "format": prepared.format, "rows": rows}
    _audit(actor, prepared, rows=rows, job=job)


def _chunks(prepared: PreparedExport, actor, columns: list[Column], make: Callable[[list[Any]], Any], *,
            language: str, tz: dt.tzinfo, progress: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
    """The rows in keyset chunks, each read and formatted in the user's language and time zone.

    A streamed CSV is read after the view has returned and the request's language and time zone are
    gone, so both are set again around each chunk (and only there, never across a yield).
    """
    definition = prepared.definition
    qs = definition.rows(actor=actor, filters=prepared.filters)
    ordering = definition.ordering(prepared.filters)
    cursor = None
    done = 0
    while True:
        with translation.override(language), timezone.override(tz):
            page = keyset_page(qs, ordering, cursor, CHUNK)
            chunk = [make([column.value(obj) for column in columns]) for obj in page.items]
        done += len(chunk)
        if progress is not None:
            progress(done)
        yield chunk
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_default_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def _file_name(definition: ExportDefinition, fmt: str, tz: dt.tzinfo) -> str:
    stamp = timezone.now().astimezone(tz).strftime("%Y%m%d-%H%M")
    return f"{definition.name}-{stamp}.{fmt}"


def _audit(actor, prepared: PreparedExport, *, rows: int, job: Job | None = None) -> None:
    extra: dict[str, Any] = {"list": prepared.definition.name, "filters": prepared.query[:1000],
                             "format": prepared.format, "rows": rows}
    if job is not None:
        extra["job"] = job.pk
    audit.record(actor, prepared.definition.audit_action, None, extra=extra,
                 object_repr=str(prepared.definition.title))
