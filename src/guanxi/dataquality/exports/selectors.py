"""Reads of export jobs: only the user who started one (or an admin) sees it or its file."""

from __future__ import annotations

from guanxi.core.errors import NotFound
from guanxi.core.jobs import job_get
from guanxi.core.models import Job

from .registry import is_export_job


def export_job_get(*, actor, id: int) -> Job:
    """An export job of the actor's; another user's, or a job of another kind, answers as missing."""
    job = job_get(actor=actor, id=id)
    if not is_export_job(job.kind):
        raise NotFound()
    return job
