"""Duplicate scans, the groups of likely duplicates they found, and the pairs reviewers said are different."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import DuplicateEntity, GroupStatus, ScanStatus


class DuplicateScan(models.Model):
    """One run of the duplicate scan (查重扫描) over every live customer and contact; one runs at a time."""

    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ScanStatus.choices, default=ScanStatus.RUNNING)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    customers = models.PositiveIntegerField(_("customers scanned"), default=0)
    contacts = models.PositiveIntegerField(_("contacts scanned"), default=0)
    pairs = models.PositiveBigIntegerField(_("pairs compared"), default=0)
    customer_groups = models.PositiveIntegerField(_("customer groups"), default=0)
    contact_groups = models.PositiveIntegerField(_("contact groups"), default=0)
    # Blocks left out because so many records share the value (a placeholder phone on 5,000 customers).
    skipped_blocks = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("duplicate scan")
        verbose_name_plural = _("duplicate scans")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="running"),
                                    name="duplicate_scan_one_running"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"


class DuplicateGroup(models.Model):
    """Records the scan believes are one party (疑似重复): members, how sure it is and why.

    `member_ids` keeps the members in the order shown; `DuplicateMember` rows let the lists ask
    which groups a record is in and whether the reviewer may see every member.
    """

    scan = models.ForeignKey(DuplicateScan, on_delete=models.CASCADE, related_name="groups")
    entity = models.CharField(_("records"), max_length=10, choices=DuplicateEntity.choices)
    member_ids = models.JSONField(default=list)
    size = models.PositiveIntegerField(_("members"))
    score = models.FloatField(_("score"))
    # [[code, positive, value], …]: rendered in the reader's language by matcher.Reason.
    reasons = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=10, choices=GroupStatus.choices, default=GroupStatus.OPEN)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("duplicate group")
        verbose_name_plural = _("duplicate groups")
        ordering = ["-score", "-id"]
        indexes = [models.Index(fields=["scan", "entity", "status", "-score", "-id"], name="duplicate_group_review")]

    def __str__(self) -> str:
        return f"{self.entity} {self.member_ids}"


class DuplicateMember(models.Model):
    """One record of a group."""

    group = models.ForeignKey(DuplicateGroup, on_delete=models.CASCADE, related_name="members")
    object_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("duplicate group member")
        verbose_name_plural = _("duplicate group members")
        indexes = [models.Index(fields=["object_id"], name="duplicate_member_object")]
        constraints = [models.UniqueConstraint(fields=["group", "object_id"], name="duplicate_member_unique")]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.object_id}"


class DuplicateDismissal(models.Model):
    """Two records a reviewer said are not duplicates ("不是重复"); later scans leave the pair alone."""

    entity = models.CharField(max_length=10, choices=DuplicateEntity.choices)
    first_id = models.BigIntegerField()  # the smaller id of the pair
    second_id = models.BigIntegerField()
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dismissed duplicate pair")
        verbose_name_plural = _("dismissed duplicate pairs")
        constraints = [
            models.UniqueConstraint(fields=["entity", "first_id", "second_id"], name="duplicate_dismissal_unique"),
            models.CheckConstraint(condition=Q(first_id__lt=models.F("second_id")), name="duplicate_dismissal_order"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.first_id}≠{self.second_id}"
