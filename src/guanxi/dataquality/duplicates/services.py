"""Writes of the duplicate review: starting a scan, running it as a background job, dismissing a group."""

from __future__ import annotations

import itertools

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import audit
from guanxi.core.errors import Conflict, DomainError
from guanxi.core.jobs import MAX_ATTEMPTS, job_progress, job_start
from guanxi.core.models import Job, JobStatus
from guanxi.core.permissions import require

from .choices import GroupStatus, ScanStatus
from .models import DuplicateDismissal, DuplicateGroup, DuplicateScan
from .scan import Scanner, write_groups

JOB_KIND = "duplicates.scan"
JOB_TITLE = gettext_lazy("Duplicate scan")
# A group bigger than this is dismissed pair by pair up to here: enough to keep it from coming back whole.
MAX_DISMISSED_MEMBERS = 200


def _user(actor):
    """The actor as a user row to point to; None for the system."""
    return actor if getattr(actor, "pk", None) else None


def _settle_abandoned_scans() -> None:
    """A scan whose job failed or vanished no longer blocks the next one."""
    finished = [JobStatus.DONE, JobStatus.FAILED]
    DuplicateScan.objects.filter(status=ScanStatus.RUNNING).filter(
        Q(job__isnull=True) | Q(job__status__in=finished)).update(status=ScanStatus.FAILED,
                                                                    finished_at=timezone.now())


def duplicate_scan_start(*, actor) -> DuplicateScan:
    """Start a scan of every live customer and contact in the background; one runs at a time."""
    require(actor, "dataquality.scan")
    busy = Conflict("scan_running", _("A duplicate scan is already running; wait for it to finish."))
    try:
        with transaction.atomic():
            _settle_abandoned_scans()
            if DuplicateScan.objects.filter(status=ScanStatus.RUNNING).exists():
                raise busy
            scan = DuplicateScan.objects.create(started_by=_user(actor))
            scan.job = job_start(actor=actor, kind=JOB_KIND, params={"scan": scan.pk})
            scan.save(update_fields=["job"])
            audit.record(actor, "duplicates.scan_started", scan, object_repr=str(JOB_TITLE))
    except IntegrityError:
        # Someone else's start won the race for the one running scan.
        raise busy from None
    return scan


def run_scan_job(job: Job) -> None:
    """The job: scan, then write the groups; a failure on the last attempt fails the scan too."""
    scan = DuplicateScan.objects.filter(pk=job.params.get("scan"), status=ScanStatus.RUNNING).first()
    if scan is None:
        raise DomainError("scan_missing", _("This duplicate scan was cancelled or has already finished."))
    try:
        scanner = Scanner(progress=lambda done, total: job_progress(job, done, total))
        scanner.run()
        write_groups(scan, scanner)
    except Exception:
        if job.attempts >= MAX_ATTEMPTS:
            DuplicateScan.objects.filter(pk=scan.pk).update(status=ScanStatus.FAILED, finished_at=timezone.now())
        raise
    scan.refresh_from_db()
    job.result = {"scan": scan.pk, "customers": scan.customers, "contacts": scan.contacts,
                  "customer_groups": scan.customer_groups, "contact_groups": scan.contact_groups}


def duplicate_group_dismiss(*, actor, group: DuplicateGroup) -> DuplicateGroup:
    """"Not duplicates": the group closes, and no later scan joins any two of its members again.

    `group` comes from `selectors.duplicate_group_get`, so every live member is in the actor's reach.
    """
    require(actor, "dataquality.scan")
    with transaction.atomic():
        updated = DuplicateGroup.objects.filter(pk=group.pk, status=GroupStatus.OPEN).update(
            status=GroupStatus.DISMISSED, dismissed_by=_user(actor), dismissed_at=timezone.now())
        if not updated:
            raise Conflict("already_dismissed", _("This group has already been marked as not duplicates."))
        members = sorted(group.member_ids)[:MAX_DISMISSED_MEMBERS]
        DuplicateDismissal.objects.bulk_create(
            [DuplicateDismissal(entity=group.entity, first_id=a, second_id=b, dismissed_by=_user(actor))
             for a, b in itertools.combinations(members, 2)], ignore_conflicts=True, batch_size=1000)
        audit.record(actor, "duplicates.dismissed", group, object_repr=str(_("Duplicate group")),
                     extra={"entity": group.entity, "members": group.member_ids})
    group.refresh_from_db()
    return group
