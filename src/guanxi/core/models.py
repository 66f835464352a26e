"""Base models every business record builds on, and the kernel's own tables."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .scopes import collaborator_exists, owner_scope_q


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ScopedQuerySet(models.QuerySet):
    """Reads that respect soft delete and the actor's data scope.

    A model names the permission module it belongs to (`scope_module`) and, when its scope is
    inherited from a parent record (a contact from its customer), the path to it (`scope_via`).
    """

    def alive(self):
        if hasattr(self.model, "deleted_at"):
            return self.filter(deleted_at__isnull=True)
        return self

    def deleted(self):
        return self.filter(deleted_at__isnull=False)

    def _scope_filter(self, actor, *, can_edit: bool) -> Q | None:
        model: Any = self.model
        via = getattr(model, "scope_via", "")
        prefix = f"{via}__" if via else ""
        owner_q = owner_scope_q(actor, model.scope_module, prefix)
        if owner_q is None:
            return None
        target = model._meta.get_field(via).related_model if via else model
        assert isinstance(target, type)
        if getattr(target, "has_collaborators", False):
            return owner_q | Q(collaborator_exists(target, actor, prefix, can_edit=can_edit))
        return owner_q

    def within_scope(self, actor, *, can_edit: bool = False):
        """Apply only the data scope (the recycle bin uses it on deleted rows)."""
        if not actor.is_active:
            return self.none()
        q = self._scope_filter(actor, can_edit=can_edit)
        qs = self if q is None else self.filter(q)
        via = getattr(self.model, "scope_via", "")
        if via and hasattr(self.model._meta.get_field(via).related_model, "deleted_at"):
            qs = qs.filter(**{f"{via}__deleted_at__isnull": True})
        return qs

    def visible_to(self, actor):
        return self.alive().within_scope(actor)

    def editable_by(self, actor):
        """Visible rows minus those the actor only reads as a read-only collaborator."""
        return self.alive().within_scope(actor, can_edit=True)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class OwnedModel(TimeStampedModel):
    """A record with an owner (负责人) and the owner's department, reached through data scopes."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()

    has_collaborators = False
    scope_module = ""

    class Meta:
        abstract = True


class SoftDeleteModel(models.Model):
    """Deleted rows stay in a recycle bin until an admin purges them."""

    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Collaborator(models.Model):
    """A team member (团队成员) of a record besides its owner, reading or also editing it."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="collaborations"
    )
    can_edit = models.BooleanField(_("can edit"), default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("collaborator")
        verbose_name_plural = _("collaborators")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "user"], name="collaborator_unique")
        ]
        indexes = [models.Index(fields=["user", "content_type", "object_id"], name="collaborator_by_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.content_type.model}:{self.object_id}"


class AuditEvent(models.Model):
    """One audited fact: who did what to which record, from where, changing which fields."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # Actor and record are read through the composite indexes below, which start with them; an index of
    # their own would only cost every write (an import writes 100,000 events).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, on_delete=models.SET_NULL, db_index=False)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    # The record whose timeline shows this event: a contact's change shows on its customer.
    timeline_key = models.CharField(max_length=80, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["timeline_key", "-created_at"], name="audit_timeline"),
            models.Index(fields=["content_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    BOOLEAN = "boolean", _("Yes / no")


class CustomFieldDefinition(models.Model):
    """An extra field an admin adds to an entity; values live in the entity's `custom` JSON."""

    entity = models.CharField(_("entity"), max_length=64)
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=CustomFieldKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["entity", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="custom_field_unique_key")]

    def __str__(self) -> str:
        return self.label


class NumberSequence(models.Model):
    """The last number handed out in a series of documents (quotes, contracts) for one year."""

    key = models.CharField(max_length=64, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A long piece of work a user started (an import, an export, a duplicate scan) and how far it has got.

    Huey carries the work; this row is what the user and the admin see of it, and what makes a
    retried task idempotent: only a queued or interrupted job is claimed again.
    """

    kind = models.CharField(_("kind"), max_length=64)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The file the job produced (an export, a report of failed rows), relative to MEDIA_ROOT.
    file = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent"),
            models.Index(fields=["status", "created_at"], name="job_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class ScheduledRun(models.Model):
    """One run of clock-driven work (core.schedules) for one minute; the row is how a worker claims it."""

    name = models.CharField(max_length=80)
    slot = models.DateTimeField(_("scheduled for"))
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.RUNNING)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="scheduled_run_once")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"
