"""Taking a file's rows in: read each mapped cell, let the entity check the chunk and find its
duplicates, decide what each row does, and write the chunk in one transaction.

Rows go in chunks of CHUNK, so a 100,000-row file costs a few queries per chunk rather than per row. A
chunk the database refuses as a whole (a constraint nobody foresaw) is written again row by row, each
in its own savepoint, so one bad row never blocks the good ones and none is half written. Progress and
counts are committed with each chunk: a run that was interrupted carries on after the last chunk it
wrote, and what it wrote is recognised by the rows' fingerprints, never written twice.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
import logging
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.statistics import refresh_statistics

from . import reading
from .bulk import insert_rows
from .cells import CellReader
from .choices import DuplicateMode, RowAction
from .mapping import CUSTOM, custom_definitions
from .models import Import, ImportedRow
from .registry import Importable, ImportRow

log = logging.getLogger(__name__)

CHUNK = 1000
# The report page lists this many failed rows; the file of failed rows has them all.
FAILURES_SHOWN = 100

# Why rows were skipped, as the report counts them.
SKIP_REASONS = {
    "duplicate": gettext_lazy("Matches a record already in the CRM"),
    "not_editable": gettext_lazy("Matches a record you may not edit"),
    "ambiguous": gettext_lazy("Matches several records"),
    "in_file": gettext_lazy("Same as an earlier row of the file"),
    "imported_before": gettext_lazy("Imported before"),
    "nothing": gettext_lazy("Nothing to import in the mapped columns"),
    "unchanged": gettext_lazy("Already up to date"),
}


def source_path(data_import: Import) -> Path:
    return Path(settings.MEDIA_ROOT) / data_import.file


def layout_of(data_import: Import) -> reading.Layout:
    return reading.Layout(fmt=data_import.file_format, encoding=data_import.encoding, sheet=data_import.sheet,
                          header_row=data_import.header_row, header_depth=data_import.header_depth,
                          headers=list(data_import.headers))


def _plain(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value).casefold() if isinstance(value, str) else str(value)


def fingerprint(entity: str, row: ImportRow) -> str:
    """The same values in the same fields, whatever the column order or the file, give the same print."""
    parts = [f"{k}={_plain(v)}" for k, v in sorted(row.values.items())]
    parts += [f"{CUSTOM}{k}={_plain(v)}" for k, v in sorted(row.custom.items())]
    return hashlib.sha256("\x1f".join([entity, *parts]).encode()).hexdigest()


def field_labels(importable: Importable, custom: dict) -> dict[str, str]:
    labels = {f.key: capfirst(str(f.label)) for f in importable.fields}
    labels.update({f"{CUSTOM}{k}": d.label for k, d in custom.items()})
    return labels


def reason_text(row: ImportRow, labels: dict[str, str]) -> str:
    """"Phone: Enter a valid phone number…; Email: …", or the reason a row was skipped."""
    if not row.errors:
        return row.reason
    parts = []
    for key, messages in row.errors.items():
        label = labels.get(key, "")
        text = " ".join(messages)
        parts.append(f"{label}: {text}" if label and key != "__all__" else text)
    return "; ".join(parts)


# -- cells kept for the file of failed rows --


def cell_to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


def cell_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return dt.datetime.fromisoformat(value["t"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
    return value


class Preparer:
    """The part of the work that needs no database: reading cells, building and validating each row's
    record, its match keys and fingerprint. Big files run it in worker processes while the main one writes."""

    def __init__(self, importable: Importable, mapping: list[str], custom: dict):
        self.importable = importable
        self.entity = importable.name
        self.custom = custom
        self.reader = CellReader()
        self.columns: list[tuple[int, str]] = [(i, key) for i, key in enumerate(mapping) if key]

    def read(self, row: ImportRow) -> None:
        for index, key in self.columns:
            value = row.cells[index]
            if reading.blank(value):
                continue
            try:
                if key.startswith(CUSTOM):
                    definition = self.custom[key[len(CUSTOM):]]
                    row.custom[definition.key] = self.reader.custom(definition, value)
                else:
                    definition_field = self.importable.field(key)
                    if definition_field is None:
                        continue
                    row.values[key] = self.reader.field(definition_field, value)
            except ValueError as exc:
                row.add_error(key, str(exc))

    def prepare(self, rows: list[ImportRow]) -> list[ImportRow]:
        for row in rows:
            self.read(row)
            if not (row.values or row.custom or row.errors):
                row.action, row.reason = RowAction.SKIP, "nothing"
        live = [r for r in rows if r.action != RowAction.SKIP]
        self.importable.prepare(live)
        for row in live:
            for key, definition in self.custom.items():
                if definition.required and row.custom.get(key) in (None, "", []):
                    row.add_error(f"{CUSTOM}{key}", _("This field is required."))
            row.fingerprint = fingerprint(self.entity, row)
        return rows


class Runner:
    """One pass over an import's rows: for the preview (check only) or the run (check and write)."""

    def __init__(self, data_import: Import, importable: Importable, actor):
        self.data_import = data_import
        self.importable = importable
        self.actor = actor
        self.entity = importable.name
        self.mode = data_import.duplicate_mode
        self.custom = custom_definitions(importable)
        self.labels = field_labels(importable, self.custom)
        self.preparer = Preparer(importable, data_import.mapping, self.custom)
        # Rows already taken in this run, by what makes them the same party and by their fingerprint.
        self.seen_keys: dict[tuple[str, str], int] = {}
        self.seen_prints: dict[str, int] = {}
        self.stale: set[str] = set()

    # -- reading --

    def rows(self, *, start: int = 0, limit: int | None = None) -> Iterator[ImportRow]:
        """Rows with anything in them, numbered among themselves (`index`) as count_rows counts them."""
        path = source_path(self.data_import)
        index = 0
        for number, cells in reading.data_rows(path, layout_of(self.data_import)):
            if reading.is_empty(cells):
                continue
            if index >= start:
                if limit is not None and index >= start + limit:
                    return
                yield ImportRow(index=index, number=number, cells=cells)
            index += 1

    # -- checking --

    def check(self, rows: list[ImportRow], *, prepared: bool = False) -> None:
        """Read, validate and match a chunk, and decide what each row does; nothing is written.
        `prepared`: a worker process has read and validated the rows already."""
        if not prepared:
            self.preparer.prepare(rows)
        live = [r for r in rows if r.action != RowAction.SKIP]
        refresh_statistics([*self.importable.lookups, (ImportedRow, ("entity", "fingerprint"))])
        self.importable.resolve(self.actor, live)
        valid = [r for r in live if not r.errors]
        imported = self._imported_before([r.fingerprint for r in valid])
        fresh = [r for r in valid if r.fingerprint not in imported and r.fingerprint not in self.seen_prints]
        self.importable.duplicate_finder(self.actor, fresh)
        for row in live:
            self._decide(row, imported)

    def _imported_before(self, prints: list[str]) -> set[str]:
        """Fingerprints of rows an earlier import wrote, whose record is still there; those whose record
        was deleted since are kept in `self.stale`, to be replaced when the row is written again."""
        if not prints:
            return set()
        found = dict(ImportedRow.objects.filter(entity=self.entity, fingerprint__in=prints)
                     .values_list("fingerprint", "object_id"))
        if not found:
            return set()
        manager: Any = self.importable.model._default_manager
        alive = set(manager.alive().filter(pk__in=set(found.values())).values_list("pk", flat=True))
        # Added to, never reset: the writer thread may still be saving the chunk that needs them.
        self.stale |= {p for p, object_id in found.items() if object_id not in alive}
        return {p for p, object_id in found.items() if object_id in alive}

    def _skip(self, row: ImportRow, code: str, detail: str = "") -> None:
        row.action, row.reason, row.detail, row.target = RowAction.SKIP, code, detail, None

    def _decide(self, row: ImportRow, imported: set[str]) -> None:
        if row.errors:
            row.action = RowAction.FAIL
            return
        earlier = self.seen_prints.get(row.fingerprint)
        if earlier is None and self.mode != DuplicateMode.CREATE:
            earlier = next((self.seen_keys[k] for k in row.keys if k in self.seen_keys), None)
        if earlier is not None:
            self._skip(row, "in_file", _("Same as row %(row)d of this file.") % {"row": earlier})
            return
        if row.fingerprint in imported:
            self._skip(row, "imported_before", _("This row was imported before."))
            return
        if row.matches and self.mode == DuplicateMode.SKIP:
            self._skip(row, "duplicate")
        elif row.matches and self.mode == DuplicateMode.UPDATE:
            if len(row.matches) > 1:
                self._skip(row, "ambiguous")
            elif not row.matches[0].editable or not self.actor.has_action(self.importable.edit_action):
                self._skip(row, "not_editable")
            else:
                row.action, row.target = RowAction.UPDATE, row.matches[0].record
        else:
            row.action = RowAction.CREATE
        if row.action in (RowAction.CREATE, RowAction.UPDATE):
            self.seen_prints[row.fingerprint] = row.number
            for key in row.keys:
                self.seen_keys.setdefault(key, row.number)

    def describe(self, row: ImportRow) -> str:
        """Why a row fails or is skipped, for the preview and the file of failed rows."""
        if row.action == RowAction.FAIL:
            return reason_text(row, self.labels)
        if row.action != RowAction.SKIP:
            return ""
        detail = row.detail
        if row.matches and row.reason in ("duplicate", "not_editable", "ambiguous"):
            detail = "; ".join(m.summary for m in row.matches)
        label = str(SKIP_REASONS.get(row.reason, row.reason))
        return f"{label}: {detail}" if detail else label

    # -- writing --

    def write(self, rows: list[ImportRow]) -> None:
        """Save the chunk's creates and updates with their fingerprints, all or (row by row) nothing."""
        creates = [r for r in rows if r.action == RowAction.CREATE]
        updates = [r for r in rows if r.action == RowAction.UPDATE]
        if not (creates or updates):
            return
        try:
            with transaction.atomic():
                self._write(creates, updates)
        except DatabaseError:
            log.warning("import %s: a chunk was refused, writing its rows one by one", self.data_import.pk,
                        exc_info=True)
            for row in [*creates, *updates]:
                self._write_one(row)

    def _write(self, creates: list[ImportRow], updates: list[ImportRow]) -> None:
        source = {"import": self.data_import.pk, "file": self.data_import.file_name}
        self.importable.bulk_writer(self.actor, creates, updates, source)
        written = [r for r in [*creates, *updates] if r.record_id is not None]
        stale = [r.fingerprint for r in written if r.fingerprint in self.stale]
        if stale:
            ImportedRow.objects.filter(entity=self.entity, fingerprint__in=stale).delete()
        insert_rows(ImportedRow, ["entity", "fingerprint", "object_id", "data_import_id"],
                    [(self.entity, r.fingerprint, r.record_id, self.data_import.pk) for r in written])

    def _write_one(self, row: ImportRow) -> None:
        try:
            with transaction.atomic():
                row.record_id = None
                if row.record is not None and row.action == RowAction.CREATE:
                    # The refused chunk gave it an id that was rolled back with it.
                    row.record.pk = None
                if row.action == RowAction.CREATE:
                    self._write([row], [])
                else:
                    self._write([], [row])
        except DatabaseError as exc:
            log.warning("import %s: row %s was refused", self.data_import.pk, row.number, exc_info=True)
            row.action, row.record_id = RowAction.FAIL, None
            row.errors = {"__all__": [_("The database refused this row (%(error)s).")
                                      % {"error": exc.__class__.__name__}]}


def count_outcomes(rows: list[ImportRow]) -> tuple[Counter, Counter]:
    actions = Counter(str(r.action) for r in rows)
    reasons = Counter(r.reason for r in rows if r.action == RowAction.SKIP)
    return actions, reasons


# Files of at least this many rows are read and validated in worker processes (GUANXI_IMPORT_WORKERS,
# default 1) while this one writes: on two cores that nearly halves a 100,000-row import.
PARALLEL_FROM = 10_000

# What a worker sends back of each row (its cells stay here, where the chunk was read).
PREPARED = ("values", "custom", "errors", "keys", "record", "changes", "fingerprint", "action", "reason")


def worker_count() -> int:
    """Worker processes for big files: IMPORT_WORKERS in the settings or GUANXI_IMPORT_WORKERS (1; 0: none)."""
    configured = getattr(settings, "IMPORT_WORKERS", None)
    if configured is None:
        configured = os.environ.get("GUANXI_IMPORT_WORKERS", "1")
    return max(0, int(configured))


def _chunks(rows: Iterator[ImportRow]) -> Iterator[list[ImportRow]]:
    chunk: list[ImportRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepared_chunks(runner: Runner, chunks: Iterator[list[ImportRow]], workers: int
                     ) -> Iterator[tuple[list[ImportRow], bool]]:
    """(chunk, prepared) in file order; with workers, a few chunks are prepared ahead of the writing.

    The workers are started fresh (spawned), not forked: a job may run beside other threads. Should they
    fail (no process can be started, one dies), the chunks are prepared here instead.
    """
    if not workers:
        for chunk in chunks:
            yield chunk, False
        return
    from . import worker

    config = (runner.entity, list(runner.data_import.mapping), runner.custom, translation.get_language())
    pending: deque = deque()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=worker.start,
                             initargs=config) as pool:
        for chunk in chunks:
            try:
                pending.append((chunk, pool.submit(worker.prepare, chunk)))
            except (BrokenProcessPool, RuntimeError):
                pending.append((chunk, None))
            while len(pending) > workers * 2:
                yield _collect(pending.popleft())
        while pending:
            yield _collect(pending.popleft())


def _collect(item: tuple[list[ImportRow], Future | None]) -> tuple[list[ImportRow], bool]:
    chunk, future = item
    if future is None:
        return chunk, False
    try:
        results = future.result()
    except Exception:
        log.warning("an import worker process failed; preparing its rows here", exc_info=True)
        return chunk, False
    for row, found in zip(chunk, results, strict=True):
        for name, value in zip(PREPARED, found, strict=True):
            setattr(row, name, value)
    return chunk, True


class ChunkWriter:
    """Saves checked chunks in file order: here, or in a thread of its own with its own connection.

    In a thread, the database server stores one chunk (on PostgreSQL the customers' indexes and search
    index are most of an import's cost) while this process checks the next. The check never needs the
    rows of the chunk being written: rows taken earlier in the run are recognised in memory
    (Runner.seen_keys, seen_prints). A connection of its own sees only committed rows, so the thread is
    used only when the run is not inside a transaction. One chunk is written at a time, in order.
    """

    def __init__(self, *, threaded: bool):
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="import-writer") if threaded else None
        self.pending: Future | None = None

    def write(self, save: Callable[[list[ImportRow]], None], chunk: list[ImportRow]) -> None:
        if self.pool is None:
            save(chunk)
            return
        self.wait()
        context = contextvars.copy_context()
        self.pending = self.pool.submit(context.run, _in_language, translation.get_language(), save, chunk)

    def wait(self) -> None:
        """Until the chunk in the thread is saved; its error, if any, is raised here."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if self.pool is None:
            return
        try:
            self.wait()
        finally:
            self.pool.submit(connections.close_all).result()
            self.pool.shutdown()


def _in_language(language: str, save: Callable[[list[ImportRow]], None], chunk: list[ImportRow]) -> None:
    with translation.override(language):
        save(chunk)


def run(data_import: Import, importable: Importable, actor, *, failures_file: Path,
        progress: Callable[[int, int], None] | None = None) -> None:
    """Take every row in, chunk by chunk, from where an interrupted run stopped; failed rows are appended
    to `failures_file` (JSON lines: row number, cells, reason)."""
    runner = Runner(data_import, importable, actor)
    start = data_import.rows_done
    total = data_import.total_rows
    workers = worker_count() if total - start >= PARALLEL_FROM else 0

    def save(chunk: list[ImportRow]) -> None:
        with transaction.atomic():
            runner.write(chunk)
            actions, reasons = count_outcomes(chunk)
            failed = [r for r in chunk if r.action == RowAction.FAIL]
            shown = max(0, FAILURES_SHOWN - len(data_import.failures))
            failures = [*data_import.failures, *({"row": r.number, "reason": runner.describe(r)}
                                                 for r in failed[:shown])]
            merged_reasons = Counter(data_import.skip_reasons)
            merged_reasons.update(reasons)
            # Counts commit with the chunk's records, so a retried run neither loses nor repeats them.
            Import.objects.filter(pk=data_import.pk).update(
                rows_done=F("rows_done") + len(chunk), created=F("created") + actions[RowAction.CREATE],
                updated=F("updated") + actions[RowAction.UPDATE], skipped=F("skipped") + actions[RowAction.SKIP],
                failed=F("failed") + actions[RowAction.FAIL], skip_reasons=dict(merged_reasons), failures=failures)
        data_import.skip_reasons, data_import.failures = dict(merged_reasons), failures
        data_import.rows_done += len(chunk)
        if failed:
            with failures_file.open("a", encoding="utf-8") as f:
                for r in failed:
                    f.write(json.dumps({"index": r.index, "row": r.number, "reason": runner.describe(r),
                                        "cells": [cell_to_json(c) for c in r.cells]}, ensure_ascii=False) + "\n")
        if progress:
            progress(data_import.rows_done, total)

    with ChunkWriter(threaded=workers > 0 and connection.vendor == "postgresql" and not connection.in_atomic_block
                     ) as writer:
        for chunk, prepared in _prepared_chunks(runner, _chunks(runner.rows(start=start)), workers):
            runner.check(chunk, prepared=prepared)
            writer.write(save, chunk)
    data_import.refresh_from_db()
