"""Background jobs (后台任务): long work a user starts — an import, an export, a duplicate scan.

An app registers a kind of job with the function that does it (`register_job_kind`, from its
`AppConfig.ready()`); a service starts one with `job_start`, which records a `Job` and hands its id
to Huey once the transaction commits. The worker claims the job with a conditional UPDATE, so a
task delivered twice or retried after a crash never runs the same work twice at once, and marks it
done or failed. The work reports progress with `job_progress` and may leave a file to download
(`job_file_path`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from .errors import DomainError, NotFound
from .models import Job, JobStatus

log = logging.getLogger(__name__)

# A job whose worker died is picked up again by the retry; after this many starts it is failed.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class JobKind:
    """What a kind of job is called and how it runs."""

    name: str
    title: Any
    run: Callable[[Job], None]
    # Where the user goes when the job is done (the import report, the duplicate groups); None: the job page.
    result_url: Callable[[Job], str] | None = None


_KINDS: dict[str, JobKind] = {}


def register_job_kind(name: str, *, title: Any, run: Callable[[Job], None],
                      result_url: Callable[[Job], str] | None = None) -> None:
    """`run(job)` does the work; it reads `job.params`, calls `job_progress`, and sets `job.result`
    (saved when it returns). A `DomainError` it raises fails the job with that message; any other
    exception is retried, up to `MAX_ATTEMPTS` starts."""
    _KINDS[name] = JobKind(name=name, title=title, run=run, result_url=result_url)


def job_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def job_start(*, actor, kind: str, params: dict | None = None, total: int | None = None) -> Job:
    """Record a job and queue it when the caller's transaction commits."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    owner = actor if getattr(actor, "pk", None) else None
    job = Job.objects.create(kind=kind, owner=owner, params=params or {}, total=total)
    transaction.on_commit(lambda: run_job(job.pk))
    return job


def job_progress(job: Job, done: int, total: int | None = None) -> None:
    """Record how far the job has got; one small UPDATE, cheap enough to call every few hundred rows."""
    fields: dict[str, Any] = {"done": done}
    job.done = done
    if total is not None:
        fields["total"] = job.total = total
    Job.objects.filter(pk=job.pk).update(**fields)


def job_file_path(job: Job, file_name: str) -> Path:
    """Where the job writes the file it leaves for its owner; recorded on the job when it is done."""
    relative = Path("jobs") / str(job.pk) / Path(file_name).name
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    job.file = str(relative)
    job.file_name = Path(file_name).name
    return path


def _claim(job_id: int) -> Job | None:
    """Take a queued job (or one whose worker died) for this worker; None when it is not ours to run."""
    claimed = Job.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
                                 attempts__lt=MAX_ATTEMPTS).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        return None
    return Job.objects.select_related("owner").get(pk=job_id)


def _finish(job: Job, status: str, error: str = "") -> None:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "result", "file", "file_name", "done", "total"])


def execute_job(job_id: int) -> None:
    """Run one job in this process: what the worker does with a queued id."""
    job = _claim(job_id)
    if job is None:
        return
    kind = _KINDS.get(job.kind)
    if kind is None:
        _finish(job, JobStatus.FAILED, _("This kind of job is no longer available."))
        return
    # Messages and files the job writes are in its owner's language.
    language = (job.owner.language if job.owner else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        _run(kind, job)


def _run(kind: JobKind, job: Job) -> None:
    try:
        kind.run(job)
    except DomainError as exc:
        _finish(job, JobStatus.FAILED, str(exc.message))
        return
    except Exception as exc:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        if job.attempts < MAX_ATTEMPTS:
            Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
            raise
        _finish(job, JobStatus.FAILED, _("The job failed: %(error)s") % {"error": exc.__class__.__name__})
        return
    _finish(job, JobStatus.DONE)


@db_task(retries=MAX_ATTEMPTS - 1, retry_delay=5, retry_backoff=2, name="guanxi.job")
def run_job(job_id: int) -> None:
    execute_job(job_id)


def job_list(*, actor):
    """The jobs a user started, newest first; an admin sees everyone's."""
    jobs = Job.objects.select_related("owner")
    if getattr(actor, "is_superuser", False):
        return jobs
    return jobs.filter(owner_id=actor.pk)


def job_get(*, actor, id: int) -> Job:
    """One job its owner (or an admin) may see; any other answers as missing."""
    job = job_list(actor=actor).filter(pk=id).first()
    if job is None:
        raise NotFound()
    return job


def job_title(job: Job) -> str:
    kind = _KINDS.get(job.kind)
    return str(kind.title) if kind else job.kind


def job_result_url(job: Job) -> str:
    kind = _KINDS.get(job.kind)
    if kind is None or kind.result_url is None or job.status != JobStatus.DONE:
        return ""
    return kind.result_url(job)
