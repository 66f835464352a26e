"""Imports (数据导入) of customers, contacts and leads from CSV and Excel files, the saved column
mappings (导入模板), and the fingerprints that keep a row from being imported twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import DuplicateMode, ImportStatus


class Import(models.Model):
    """One uploaded file on its way in: how its columns map to fields, what duplicates do, and what came
    of its rows. The file stays under MEDIA_ROOT/imports/ so the preview and the run read it again."""

    entity = models.CharField(_("what is imported"), max_length=40)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.DRAFT)
    file = models.CharField(max_length=255)  # relative to MEDIA_ROOT
    file_name = models.CharField(_("file"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("size"), default=0)
    file_hash = models.CharField(max_length=64)
    file_format = models.CharField(_("format"), max_length=8)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    # Where the column names are: the row they start on (0-based) and whether a second row refines
    # them (merged group headers such as 联系方式 over 电话 and 邮箱).
    header_row = models.PositiveIntegerField(default=0)
    header_depth = models.PositiveSmallIntegerField(default=1)
    headers = models.JSONField(_("columns"), default=list)
    # One field key per column ("name", "custom.size"), "" for a column left out.
    mapping = models.JSONField(_("mapping"), default=list)
    duplicate_mode = models.CharField(_("when a row matches an existing record"), max_length=10,
                                      choices=DuplicateMode.choices, default=DuplicateMode.SKIP)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    # Progress, committed with each chunk of rows, so a retried run carries on where it stopped.
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # Why rows were skipped, counted by reason, and the first failed rows, for the report page.
    skip_reasons = models.JSONField(default=dict, blank=True)
    failures = models.JSONField(default=list, blank=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="import_owner_recent"),
            models.Index(fields=["file_hash"], name="import_file_hash"),
        ]

    def __str__(self) -> str:
        return self.file_name


class MappingTemplate(models.Model):
    """A saved column mapping (导入模板): which field each column name of a user's usual file goes to."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=80)
    # Normalised column name → field key.
    columns = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import template")
        verbose_name_plural = _("import templates")
        ordering = ["entity", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "entity", "name"], name="import_template_unique")]

    def __str__(self) -> str:
        return self.name


class ImportedRow(models.Model):
    """The fingerprint of a row an import created or updated a record from: the same row imported
    again (the same file, or the same rows in another file) is recognised and not written twice."""

    entity = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    data_import = models.ForeignKey(Import, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        constraints = [models.UniqueConstraint(fields=["entity", "fingerprint"], name="imported_row_unique")]

    def __str__(self) -> str:
        return f"{self.entity}:{self.object_id}"
