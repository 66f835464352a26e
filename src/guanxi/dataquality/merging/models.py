"""Merges of duplicate records (合并重复) and what each one needs to be undone."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import MergeStatus


class MergeRecord(models.Model):
    """One merge: duplicates of a record folded into the survivor, and everything an undo puts back.

    `survivor_before` / `survivor_after` hold the survivor's column values around the merge;
    `moves` the rows re-pointed (`{"model", "field", "from", "to", "ids"}`), `removed` the link rows
    deleted as duplicates (`{"model", "rows": [column values]}`), `summary` what a person reads.
    """

    entity = models.CharField(_("kind"), max_length=40)  # a registered merge entity, e.g. "customer"
    survivor_id = models.BigIntegerField()
    survivor_repr = models.CharField(_("survivor"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=MergeStatus.choices, default=MergeStatus.MERGED)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("merged by"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    # Which record each field's surviving value came from: {field: record id}.
    choices = models.JSONField(default=dict, blank=True)
    survivor_before = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    survivor_after = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    moves = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    removed = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    # {"moved": [{"key", "label", "count"}], "fields": [changed field names]}
    summary = models.JSONField(default=dict, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("undone by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    # What the undo could not put back, and why: {"fields": [...], "rows": [{"label", "count"}]}.
    undo_report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["entity", "survivor_id", "-id"], name="merge_survivor"),
            models.Index(fields=["-created_at", "-id"], name="merge_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.survivor_id} #{self.pk}"

    @property
    def is_undone(self) -> bool:
        return self.status == MergeStatus.UNDONE


class MergedRecord(models.Model):
    """A record a merge folded into the survivor (merged_into) and deleted to the recycle bin."""

    merge = models.ForeignKey(MergeRecord, on_delete=models.CASCADE, related_name="merged")
    entity = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(_("record"), max_length=200)

    class Meta:
        verbose_name = _("merged record")
        verbose_name_plural = _("merged records")
        ordering = ["merge", "id"]
        indexes = [models.Index(fields=["entity", "object_id"], name="merged_record_object")]

    def __str__(self) -> str:
        return f"{self.entity}:{self.object_id} → {self.merge_id}"
