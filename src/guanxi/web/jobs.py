"""Pages of a user's background jobs: the list, one job with its progress bar, its file."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse
from django.views.decorators.http import require_GET

from guanxi.core.errors import NotFound
from guanxi.core.jobs import job_get, job_list, job_result_url, job_title
from guanxi.core.models import JobStatus
from guanxi.core.schedules import last_runs
from guanxi.customers.views.common import guarded, render_listing

RECENT = 50


@require_GET
@guarded()
def jobs(request):
    """A user's own jobs; an admin sees everyone's, can pick a status, and sees the scheduled work."""
    admin = request.user.is_superuser
    listed = job_list(actor=request.user)
    status = request.GET.get("status", "")
    if admin and status in JobStatus.values:
        listed = listed.filter(status=status)
    rows = [(job, job_title(job)) for job in listed[:RECENT]]
    context = {"rows": rows, "admin": admin, "status": status, "statuses": JobStatus.choices,
               "schedules": last_runs() if admin else []}
    return render_listing(request, "web/jobs/list.html", context)


@require_GET
@guarded()
def job_detail(request, pk: int):
    """While the job runs, HTMX asks for the progress fragment every second until it is finished."""
    job = job_get(actor=request.user, id=pk)
    context = {"job": job, "title": job_title(job), "result_url": job_result_url(job)}
    return render_listing(request, "web/jobs/detail.html", context, fragment="job-progress")


@require_GET
@guarded()
def job_download(request, pk: int):
    job = job_get(actor=request.user, id=pk)
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / job.file).resolve() if job.file else None
    if path is None or root not in path.parents or not path.is_file():
        raise NotFound()
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name or path.name)
