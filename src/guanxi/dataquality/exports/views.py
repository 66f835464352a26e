"""The export pages: the CSV / Excel buttons of every list post here with the list's query string.
A small export answers with the file; a big one starts a background job and goes to its page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound

from . import services
from .registry import export_definition
from .services import ExportFile


def file_response(result: ExportFile) -> HttpResponseBase:
    """CSV streams as it is read; XLSX is sent from its temporary file, which the response closes."""
    response: HttpResponseBase
    if result.stream is not None:
        response = StreamingHttpResponse(result.stream, content_type=result.content_type)
        response["Content-Disposition"] = f'attachment; filename="{result.file_name}"'
    else:
        response = FileResponse(result.file, as_attachment=True, filename=result.file_name,
                                content_type=result.content_type)
    # Personal data: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def _back_url(request) -> str:
    target = request.headers.get("referer", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def refused(request, status: int, error: DomainError | None = None, labels: dict | None = None):
    """The error page of an export: 404 for an unknown list, 403 without the right, 400 for bad input
    with each refused filter by its label."""
    if status == 404:
        message = _("This page does not exist, or you cannot see it.")
    elif status == 403:
        message = str(error.message) if error else _("You do not have permission to do this.")
    else:
        message = str(error.message) if error else _("The export was refused.")
    error_rows = [(str((labels or {}).get(name, name)), str(text))
                  for name, texts in (error.errors.items() if error and status == 400 else []) for text in texts]
    context = {"status": status, "message": message, "error_rows": error_rows, "back_url": _back_url(request)}
    return render(request, "exports/refused.html", context, status=status)


def export_response(request, name: str, fmt: str) -> HttpResponseBase:
    """What every export link does, the buttons and older links such as customers:export_csv alike."""
    definition = export_definition(name)
    if definition is None:
        return refused(request, 404)
    try:
        result = services.export_start(actor=request.user, name=name, fmt=fmt, params=request.GET)
    except NotFound:
        return refused(request, 404)
    except Forbidden as exc:
        return refused(request, 403, exc)
    except DomainError as exc:
        return refused(request, 400, exc, definition.filter_labels)
    if isinstance(result, ExportFile):
        return file_response(result)
    messages.info(request, _("This export has more than %(n)s rows, so it is made in the background. "
                             "Download it here when it is done.") % {"n": services.background_threshold()})
    return redirect("web:job", pk=result.pk)


@require_POST
@login_required
def export_download(request, name: str):
    """The list's filters come in the query string (as on the list page), the format in the form."""
    return export_response(request, name, str(request.POST.get("format") or "csv").strip()[:10])
