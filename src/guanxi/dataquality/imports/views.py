"""Pages of imports: the history, upload, mapping, preview with the choice of what duplicates do, and the
report with the file of failed rows. The run itself is followed on the job page (web:job)."""

from __future__ import annotations

from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.forms import form_errors
from guanxi.core.permissions import require

from . import reading, selectors, services
from .cells import text
from .choices import ImportStatus, RowAction
from .forms import MappingForm, OptionsForm, SheetForm, UploadForm
from .mapping import targets
from .registry import importable, importables, importables_for
from .running import SKIP_REASONS, layout_of, source_path

ACTION = "dataquality.import"
HISTORY = 100
SAMPLE_ROWS = 3


def guarded(action: str):
    """Signed in and holding `action`; NotFound and Forbidden from a selector or service become the 404
    and 403 pages (the customers pages' rule, without importing them: data quality sits below customers)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                require(request.user, action)
                return view(request, *args, **kwargs)
            except NotFound as exc:
                return render(request, "imports/error.html",
                              {"message": _("This page does not exist, or you cannot see it."), "status": 404},
                              status=exc.status)
            except Forbidden as exc:
                return render(request, "imports/error.html", {"message": exc.message, "status": 403},
                              status=exc.status)

        return wrapper

    return decorate


@require_GET
@guarded(ACTION)
def import_list(request):
    labels = {i.name: i.label for i in importables()}
    rows = [(row, labels.get(row.entity, row.entity)) for row in selectors.import_list(actor=request.user)[:HISTORY]]
    return render(request, "imports/list.html", {"rows": rows, "can_import": bool(importables_for(request.user))})


@require_http_methods(["GET", "POST"])
@guarded(ACTION)
def import_new(request):
    entities = [(i.name, i.label) for i in importables_for(request.user)]
    if not entities:
        raise Forbidden(_("You may not create any of the records that can be imported."))
    status = 200
    form = UploadForm(initial={"entity": request.GET.get("entity")}, entities=entities)
    if request.method == "POST":
        limit = services.max_upload_bytes()
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        # Refused before the body is read: a file past the limit is not written to disk at all.
        if declared > limit + 64 * 1024:
            refused = _("The file is larger than %(n)d MB. Split it into smaller files.") % {
                "n": limit // (1024 * 1024)}
            return render(request, "imports/new.html", {"form": form, "max_mb": limit // (1024 * 1024),
                                                        "refused": refused}, status=413)
        form = UploadForm(request.POST, request.FILES, entities=entities)
        if form.is_valid():
            try:
                data_import = services.import_upload(actor=request.user, entity=form.cleaned_data["entity"],
                                                     upload=form.cleaned_data["file"])
            except DomainError as exc:
                form_errors(form, exc)
            else:
                return redirect("imports:mapping", data_import.pk)
        status = 400
    labels = dict(entities)
    saved = [(t, labels[t.entity]) for t in selectors.template_list(actor=request.user, entity=None)
             if t.entity in labels]
    return render(request, "imports/new.html", {"form": form, "max_mb": services.max_upload_bytes() // (1024 * 1024),
                                                "saved_templates": saved}, status=status)


def _draft(request, pk: int):
    data_import = selectors.import_get(actor=request.user, id=pk)
    if data_import.owner_id != request.user.pk:
        raise NotFound()
    return data_import


def _samples(data_import, count: int = SAMPLE_ROWS) -> list[list[str]]:
    """A few values of each column, to recognise it by."""
    rows: list[list[str]] = []
    for _number, cells in reading.data_rows(source_path(data_import), layout_of(data_import)):
        if reading.is_empty(cells):
            continue
        rows.append([text(c)[:60] for c in cells])
        if len(rows) >= count:
            break
    return [[row[i] for row in rows] for i in range(len(data_import.headers))]


@require_http_methods(["GET", "POST"])
@guarded(ACTION)
def import_mapping(request, pk: int):
    data_import = _draft(request, pk)
    if data_import.status != ImportStatus.DRAFT:
        return redirect("imports:detail", data_import.pk)
    target = importable(data_import.entity)
    if target is None:
        raise NotFound()
    status = 200
    if request.method == "POST" and "sheet" in request.POST:
        sheet_form = SheetForm(request.POST, sheets=reading.sheet_names(source_path(data_import),
                                                                        data_import.file_format))
        if sheet_form.is_valid():
            try:
                services.import_choose_sheet(actor=request.user, data_import=data_import,
                                             sheet=sheet_form.cleaned_data["sheet"])
            except DomainError as exc:
                messages.error(request, str(exc.message))
            return redirect("imports:mapping", data_import.pk)
    form = MappingForm(request.POST or None, headers=data_import.headers, targets=targets(target),
                       mapping=data_import.mapping)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.import_set_mapping(actor=request.user, data_import=data_import, columns=form.mapping(),
                                            template_name=form.cleaned_data["save_as"])
            except DomainError as exc:
                for key, errors_ in exc.errors.items():
                    name = f"column_{key.split('.', 1)[1]}" if key.startswith("mapping.") else (
                        key if key in form.fields else None)
                    for message in errors_:
                        form.add_error(name, message)
            else:
                return redirect("imports:preview", data_import.pk)
        status = 400
    sheets = reading.sheet_names(source_path(data_import), data_import.file_format)
    columns = list(zip(form.column_fields(), _samples(data_import), strict=True))
    return render(request, "imports/mapping.html", {
        "data_import": data_import, "form": form, "columns": columns, "entity_label": target.label,
        "sheet_form": SheetForm(initial={"sheet": data_import.sheet}, sheets=sheets) if len(sheets) > 1 else None,
    }, status=status)


@require_http_methods(["GET", "POST"])
@guarded(ACTION)
def import_preview(request, pk: int):
    """The first rows as the run would take them in, and the choice of what duplicates do; "Start" runs it."""
    data_import = _draft(request, pk)
    if data_import.status != ImportStatus.DRAFT:
        return redirect("imports:detail", data_import.pk)
    form = OptionsForm(request.POST or None, initial={"duplicate_mode": data_import.duplicate_mode})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.import_set_options(actor=request.user, data_import=data_import,
                                            duplicate_mode=form.cleaned_data["duplicate_mode"])
                if request.POST.get("start"):
                    job = services.import_start(actor=request.user, data_import=data_import)
                    return redirect("web:job", job.pk)
            except DomainError as exc:
                form_errors(form, exc)
                status = 400
            else:
                return redirect("imports:preview", data_import.pk)
        else:
            status = 400
    preview = selectors.import_preview(actor=request.user, data_import=data_import)
    target = importable(data_import.entity)
    labels = {t.key: t.label for t in targets(target)} if target else {}
    mapped = [(i, key) for i, key in enumerate(data_import.mapping) if key]
    return render(request, "imports/preview.html", {
        "data_import": data_import, "preview": preview, "form": form,
        "columns": [(data_import.headers[i], labels.get(key, key)) for i, key in mapped],
        "rows": [(row, [row.cells[i] for i, _key in mapped]) for row in preview.rows],
        "counts": [(action, label, preview.counts[action]) for action, label in RowAction.choices
                   if action in preview.counts],
        "earlier": selectors.earlier_imports(actor=request.user, data_import=data_import),
    }, status=status)


@require_GET
@guarded(ACTION)
def import_detail(request, pk: int):
    """The report of a run: what was created, updated, skipped and why, and the rows that failed."""
    data_import = selectors.import_get(actor=request.user, id=pk)
    if data_import.status == ImportStatus.DRAFT and data_import.owner_id == request.user.pk:
        return redirect("imports:mapping", data_import.pk)
    target = importable(data_import.entity)
    reasons = [(SKIP_REASONS.get(code, code), count) for code, count in data_import.skip_reasons.items()]
    return render(request, "imports/detail.html", {
        "data_import": data_import, "entity_label": target.label if target else data_import.entity,
        "reasons": reasons, "files": services.failed_files(data_import) if data_import.failed else {},
    })


@require_GET
@guarded(ACTION)
def failed_rows(request, pk: int, fmt: str):
    data_import = selectors.import_get(actor=request.user, id=pk)
    path = services.failed_files(data_import).get(fmt)
    root = Path(settings.MEDIA_ROOT).resolve()
    if path is None or root not in path.resolve().parents or not path.is_file():
        raise NotFound()
    name = f"{Path(data_import.file_name).stem}-{_('failed rows')}.{fmt}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@require_POST
@guarded(ACTION)
def template_delete(request, pk: int):
    template = selectors.template_get(actor=request.user, id=pk)
    services.template_delete(actor=request.user, template=template)
    messages.success(request, _("The template was deleted."))
    return redirect("imports:new")
