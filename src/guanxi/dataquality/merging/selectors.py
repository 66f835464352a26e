"""Reads for merging: the records a user may merge side by side, what would move, and the merge history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.models import Collaborator
from guanxi.core.paging import Page, keyset_page
from guanxi.core.permissions import require
from guanxi.core.scopes import DataScope

from . import errors
from .choices import MergeStatus
from .fields import Pickable, column, default_source, display, pickable_fields, value_of
from .models import MergedRecord, MergeRecord
from .registry import MergeEntity, MergeRelation, merge_entities, merge_entity, merge_relations

# A merge of more records than this is more likely a mistake than a duplicate group.
MAX_RECORDS = 10
MERGE_ACTION = "dataquality.merge"


def parse_ids(raw: Any) -> list[int]:
    """Ids from "12,34" (a page's query string) or a list; anything else is a clear error."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw or [])
    ids = []
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        if not text.isdigit() or len(text) > 18 or int(text) < 1:
            raise DomainError("invalid", _("Please correct the errors below."),
                              {"ids": [_("Give the records as a list of ids, e.g. 12,34.")]})
        ids.append(int(text))
    return ids


def _check_ids(survivor_id: int, other_ids: list[int]) -> None:
    if survivor_id in other_ids:
        raise DomainError(errors.SELF_MERGE, _("A record cannot be merged into itself."))
    if len(set(other_ids)) != len(other_ids):
        raise DomainError(errors.REPEATED, _("Each record can be merged only once; one is listed twice."))
    if not other_ids:
        raise DomainError(errors.TOO_FEW, _("Choose at least two records to merge."))
    if len(other_ids) + 1 > MAX_RECORDS:
        raise DomainError(errors.TOO_MANY, _("Merge at most %(n)d records at a time.") % {"n": MAX_RECORDS})


def merged_into(*, entity: str, id: int) -> MergeRecord | None:
    """The merge (not undone) that folded this record into another one, if any."""
    row = (MergedRecord.objects.filter(entity=entity, object_id=id, merge__status=MergeStatus.MERGED)
           .select_related("merge").order_by("-merge_id").first())
    return row.merge if row else None


def merged_into_map(*, entity: str, ids: list[int]) -> dict[int, MergeRecord]:
    """For a recycle bin page: which of these deleted records were merged, and into what (one query)."""
    rows = (MergedRecord.objects.filter(entity=entity, object_id__in=list(ids), merge__status=MergeStatus.MERGED)
            .select_related("merge").order_by("merge_id"))
    return {row.object_id: row.merge for row in rows}


def merged_from(*, entity: str, id: int, limit: int = 20) -> list[MergedRecord]:
    """The records merged into this survivor and not undone, newest first, for its page (one query)."""
    return list(MergedRecord.objects.filter(entity=entity, merge__survivor_id=id, merge__entity=entity,
                                            merge__status=MergeStatus.MERGED)
                .select_related("merge").order_by("-merge_id", "id")[:limit])


@dataclass
class Candidates:
    """Records a user may merge, survivor first, with their permission checked."""

    entity: MergeEntity
    records: list[models.Model]

    @property
    def survivor(self) -> models.Model:
        return self.records[0]

    @property
    def others(self) -> list[models.Model]:
        return self.records[1:]


def merge_candidates(*, actor, entity: str | MergeEntity, survivor_id: int, other_ids: list[int],
                     for_update: bool = False) -> Candidates:
    """The survivor and the other records, each one live and editable by the actor.

    Without the merge right: 403. A record outside the actor's scope: 404, like a missing one; one they
    only read: 403; one in the recycle bin: a clear error (saying so when a merge put it there).
    """
    definition = merge_entity(entity) if isinstance(entity, str) else entity
    require(actor, MERGE_ACTION)
    _check_ids(survivor_id, other_ids)
    ids = [survivor_id, *other_ids]
    manager: Any = definition.model._default_manager
    if for_update:
        # Lock in primary-key order, so two merges sharing records wait for each other instead of deadlocking.
        list(definition.model._base_manager.select_for_update().filter(pk__in=ids).order_by("pk")
             .values_list("pk", flat=True))
    found = {r.pk: r for r in manager.filter(pk__in=ids).select_related(*definition.select_related)}
    editable = set(manager.editable_by(actor).filter(pk__in=ids).values_list("pk", flat=True))
    for pk in ids:
        if pk in editable:
            continue
        record = found.get(pk)
        if record is None:
            raise NotFound()
        if getattr(record, "deleted_at", None) is not None and manager.within_scope(actor).filter(pk=pk).exists():
            merge = merged_into(entity=definition.name, id=pk)
            if merge is not None:
                raise DomainError(errors.ALREADY_MERGED, _("“%(name)s” was already merged into “%(survivor)s”.")
                                  % {"name": record, "survivor": merge.survivor_repr})
            raise DomainError(errors.DELETED, _("“%(name)s” is in the recycle bin. Restore it before merging.")
                              % {"name": record})
        if manager.visible_to(actor).filter(pk=pk).exists():
            raise Forbidden()
        raise NotFound()
    if not actor.has_action(definition.edit_action):
        raise Forbidden()
    records = [found[pk] for pk in ids]
    for name in definition.same:
        attname = column(definition.model, name)
        if len({getattr(r, attname) for r in records}) > 1:
            label = definition.model._meta.get_field(name).verbose_name  # type: ignore[union-attr]
            raise DomainError(errors.NOT_SAME, _("Only %(records)s of the same %(parent)s can be merged.")
                              % {"records": definition.plural, "parent": label})
    return Candidates(definition, records)


# -- the comparison page --


@dataclass
class FieldRow:
    """One line of the comparison: a field's value on each record and which one survives by default."""

    field: Pickable
    values: list[tuple[int, str]]  # (record id, shown value), in column order
    differs: bool
    default: int
    locked: bool  # the actor may not take another record's value (it needs a right they lack)


@dataclass
class RelationCount:
    """How many rows of one relation each record has, and how many would move to the survivor."""

    key: str
    label: Any
    per_record: dict[int, int]
    moving: int


@dataclass
class Preview:
    entity: MergeEntity
    records: list[models.Model]  # in the order the user listed them
    survivor: models.Model
    rows: list[FieldRow]
    counts: list[RelationCount] = field(default_factory=list)

    @property
    def differing(self) -> list[FieldRow]:
        return [r for r in self.rows if r.differs]

    @property
    def same(self) -> list[FieldRow]:
        return [r for r in self.rows if not r.differs]


def relation_counts(entity: MergeEntity, survivor_id: int, ids: list[int]) -> list[RelationCount]:
    """Rows per relation and record: one grouped query per relation, whatever the number of rows."""
    counts = []
    for relation in [*merge_relations(entity.name), *collaborator_relations(entity)]:
        attname = column(relation.model, relation.field)
        grouped = (relation.rows().filter(**{f"{attname}__in": ids}).order_by().values(attname)
                   .annotate(n=Count("pk")))
        per_record = {row[attname]: row["n"] for row in grouped}
        moving = sum(n for pk, n in per_record.items() if pk != survivor_id)
        counts.append(RelationCount(relation.key, relation.verbose_name, per_record, moving))
    return counts


def collaborator_relations(entity: MergeEntity) -> list[MergeRelation]:
    """Team members of a record with a team (core collaborators), as a relation to count and move."""
    if not getattr(entity.model, "has_collaborators", False):
        return []
    model = entity.model
    return [MergeRelation(entity=entity.name, model=Collaborator, field="object_id", unique_with=("user",),
                          filter=lambda: {"content_type": ContentType.objects.get_for_model(model)})]


def merge_preview(*, actor, entity: str, ids: list[int], survivor_id: int | None = None) -> Preview:
    """The records side by side with their differing fields, the survivor (`survivor_id` or the first id)
    and the counts of what would move."""
    definition = merge_entity(entity)
    ids = list(ids)
    if not ids:
        raise DomainError(errors.TOO_FEW, _("Choose at least two records to merge."))
    survivor_id = survivor_id if survivor_id in ids else ids[0]
    others = list(ids)
    others.remove(survivor_id)
    candidates = merge_candidates(actor=actor, entity=definition, survivor_id=survivor_id, other_ids=others)
    by_id = {r.pk: r for r in candidates.records}
    records = [by_id[pk] for pk in ids]
    sensitive = bool(definition.sensitive_action and actor.has_action(definition.sensitive_action))
    rows = []
    for pickable in pickable_fields(definition):
        values = [value_of(pickable, r) for r in records]
        rows.append(FieldRow(
            field=pickable,
            values=[(r.pk, display(pickable, r, sensitive=sensitive)) for r in records],
            differs=any(v != values[0] for v in values),
            default=default_source(pickable, candidates.records, actor=actor),
            locked=bool(pickable.action and not actor.has_action(pickable.action)),
        ))
    return Preview(definition, records, candidates.survivor, rows, relation_counts(definition, survivor_id, ids))


def merge_start(*, actor, entity: str, id: int) -> models.Model:
    """The record a user wants to merge something into ("Merge with…"), if they may edit it."""
    definition = merge_entity(entity)
    require(actor, MERGE_ACTION)
    manager: Any = definition.model._default_manager
    record = manager.editable_by(actor).filter(pk=id).first()
    if record is None:
        if manager.visible_to(actor).filter(pk=id).exists():
            raise Forbidden()
        raise NotFound()
    if not actor.has_action(definition.edit_action):
        raise Forbidden()
    return record


def merge_search(*, actor, entity: str, q: str, exclude: list[int], limit: int = 20) -> list[models.Model]:
    """Records to merge with, found by what the user typed, through the entity's own scoped search."""
    definition = merge_entity(entity)
    require(actor, MERGE_ACTION)
    q = (q or "").strip()[:100]
    if not q or definition.search is None:
        return []
    found = definition.search(actor, q)
    return [r for r in list(found[: limit + len(exclude)]) if r.pk not in exclude][:limit]  # type: ignore[index]


# -- history --


def merge_list(*, actor, entity: str = "") -> QuerySet[MergeRecord]:
    """Merges whose surviving record is in the actor's data scope (its recycle bin included), newest first."""
    require(actor, MERGE_ACTION)
    reach = Q(pk__in=[])
    for definition in merge_entities():
        if entity and definition.name != entity:
            continue
        model: Any = definition.model
        if actor.scope_for(model.scope_module) == DataScope.ALL:
            # No subquery over every record for those who see them all: the page reads merges newest first.
            reach |= Q(entity=definition.name)
            continue
        reach |= Q(entity=definition.name, survivor_id__in=model._default_manager.within_scope(actor).values("pk"))
    return MergeRecord.objects.filter(reach).select_related("actor", "undone_by").prefetch_related("merged")


def merge_page(*, actor, entity: str = "", cursor: str | None = None, limit: int = 50) -> Page:
    return keyset_page(merge_list(actor=actor, entity=entity), ["-id"], cursor, max(1, min(limit, 200)))


def merge_get(*, actor, id: int) -> MergeRecord:
    merge = merge_list(actor=actor).filter(pk=id).first()
    if merge is None:
        raise NotFound()
    return merge


def _relation_labels(merge: MergeRecord) -> dict[str, Any]:
    try:
        definition = merge_entity(merge.entity)
    except DomainError:
        return {}
    return {r.key: r.verbose_name for r in [*merge_relations(definition.name), *collaborator_relations(definition)]}


def _labelled(merge: MergeRecord, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    labels = _relation_labels(merge)
    return [{"key": row["key"], "label": str(labels.get(row["key"], row["key"])), "count": row["count"]}
            for row in rows]


def moved_labels(merge: MergeRecord) -> list[dict[str, Any]]:
    """What the merge moved, with each relation's label in the reader's language."""
    return _labelled(merge, (merge.summary or {}).get("moved", []))


def report_rows(merge: MergeRecord) -> list[dict[str, Any]]:
    """Rows an undo left where they were (deleted or moved elsewhere since), by relation."""
    return _labelled(merge, (merge.undo_report or {}).get("rows", []))


def field_labels(merge: MergeRecord, names: list[str]) -> list[str]:
    """Field names of a merge as a person reads them."""
    try:
        model: Any = merge_entity(merge.entity).model
    except DomainError:
        return list(names)
    labels = []
    for name in names:
        if name == "custom":
            labels.append(str(_("custom fields")))
            continue
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            labels.append(name)
    return labels


def merge_summary(merge: MergeRecord) -> dict[str, Any]:
    """A merge as the API and the history page show it."""
    return {
        "id": merge.pk,
        "entity": merge.entity,
        "status": merge.status,
        "survivor_id": merge.survivor_id,
        "survivor_name": merge.survivor_repr,
        "merged": [{"id": m.object_id, "name": m.object_repr} for m in merge.merged.all()],
        "merged_by": str(merge.actor) if merge.actor else None,
        "created_at": merge.created_at,
        "fields": merge.choices or {},
        "changed_fields": (merge.summary or {}).get("fields", []),
        "moved": moved_labels(merge),
        "undone_at": merge.undone_at,
        "undone_by": str(merge.undone_by) if merge.undone_by else None,
        "undo_report": {"fields": (merge.undo_report or {}).get("fields", []), "rows": report_rows(merge)},
    }
