"""Merging duplicate records (合并重复) and undoing a merge.

A merge keeps one record (the survivor), gives it the field values the user picked from any of the
records, re-points every registered relation of the others to it, moves their team members and
many-to-many links (dropping exact duplicates), and deletes the others to the recycle bin. It writes
down everything it changed in a `MergeRecord`, so `merge_undo` can put each row back where it was.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import Collaborator
from guanxi.core.permissions import require
from guanxi.core.records import still_visible

from . import errors
from .choices import MergeStatus
from .fields import Pickable, column, default_source, dump, load, pickable_fields, value_of
from .models import MergedRecord, MergeRecord
from .registry import MergeEntity, MergeRelation, merge_entities, merge_entity, merge_relations
from .selectors import MERGE_ACTION, collaborator_relations, merge_candidates

# Rows are re-pointed in batches of this many ids, well under SQLite's limit of bound parameters.
BATCH = 500


class Ledger:
    """What a merge changed, in the form a merge record keeps for the undo."""

    def __init__(self) -> None:
        self.moves: list[dict[str, Any]] = []
        self.removed: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}

    def move(self, relation: MergeRelation, attname: str, rows: list[tuple[int, Any]], to: Any, *,
             unique: bool) -> None:
        """Re-point `rows` ((pk, current value) pairs) of the relation's model to `to`, and note it."""
        by_source: dict[Any, list[int]] = {}
        for pk, source in rows:
            by_source.setdefault(source, []).append(pk)
        model = relation.model
        for source, ids in by_source.items():
            self.moves.append({"key": relation.key, "model": model._meta.label, "field": attname,
                               "from": dump(source), "to": dump(to), "ids": ids, "unique": unique})
            for start in range(0, len(ids), BATCH):
                model._base_manager.filter(pk__in=ids[start:start + BATCH]).update(**{attname: to})
        self.count(relation, len(rows))

    def remove(self, relation: MergeRelation, rows: list[dict[str, Any]]) -> None:
        """Delete duplicate link rows, keeping every column so an undo can recreate them."""
        if not rows:
            return
        model = relation.model
        pk_name = model._meta.pk.attname  # type: ignore[union-attr]
        self.removed.append({"key": relation.key, "model": model._meta.label,
                             "rows": [{k: dump(v) for k, v in row.items()} for row in rows]})
        model._base_manager.filter(pk__in=[row[pk_name] for row in rows]).delete()

    def count(self, relation: MergeRelation, n: int) -> None:
        if n:
            self.counts[relation.key] = self.counts.get(relation.key, 0) + n


def _record_id(entity: MergeEntity, value: Any, field: str) -> int:
    """A record given as a model instance or an id; an instance of another model is refused."""
    if isinstance(value, models.Model):
        if not isinstance(value, entity.model):
            raise DomainError(errors.WRONG_ENTITY, _("Only %(records)s can be merged here.") % {
                "records": entity.plural})
        return int(value.pk)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value)
    raise DomainError("invalid", _("Please correct the errors below."), {field: [_("Choose a record.")]})


def _field_choices(actor, fields: list[Pickable], records: list[models.Model], given: dict) -> dict[str, int]:
    """Which record each field's surviving value comes from: the user's choices, the rest by default."""
    by_name = {f.name: f for f in fields}
    ids = {r.pk for r in records}
    chosen: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    for name, source in given.items():
        name = str(name)[:80]
        if name not in by_name:
            problems[f"fields.{name}"] = [_("This field cannot be chosen.")]
            continue
        try:
            source_id = int(source) if not isinstance(source, bool) else 0
        except (TypeError, ValueError):
            source_id = 0
        if source_id not in ids:
            problems[f"fields.{name}"] = [_("Choose one of the records being merged.")]
            continue
        chosen[name] = source_id
    if problems:
        raise DomainError(errors.INVALID_CHOICE, _("Please correct the errors below."), problems)
    survivor = records[0]
    by_id = {r.pk: r for r in records}
    for field in fields:
        source_id = chosen.setdefault(field.name, default_source(field, records, actor=actor))
        if (field.action and source_id != survivor.pk and not actor.has_action(field.action)
                and value_of(field, by_id[source_id]) != value_of(field, survivor)):
            raise Forbidden(_("You do not have the right to change “%(field)s”.") % {"field": field.label})
    return chosen


def _survivor_values(entity: MergeEntity, fields: list[Pickable], records: list[models.Model],
                     chosen: dict[str, int]) -> tuple[dict[str, Any], list[str]]:
    """The survivor's columns that change, and the names of the fields they belong to (for the audit)."""
    survivor = records[0]
    by_id = {r.pk: r for r in records}
    writes: dict[str, Any] = {}
    names: list[str] = []
    custom = dict(getattr(survivor, "custom", None) or {})
    custom_changed = False
    for field in fields:
        source = by_id[chosen[field.name]]
        if source.pk == survivor.pk:
            continue
        if field.definition is not None:
            value = value_of(field, source)
            if value != custom.get(field.custom_key):
                if value is None:
                    custom.pop(field.custom_key, None)
                else:
                    custom[field.custom_key] = value
                custom_changed = True
            continue
        changed = False
        for attname in field.columns:
            value = getattr(source, attname)
            if value != getattr(survivor, attname):
                writes[attname] = value
                changed = True
        if changed:
            names.append(field.name)
    for name in entity.latest:
        attname = column(entity.model, name)
        present = [getattr(r, attname) for r in records if getattr(r, attname) is not None]
        latest = max(present) if present else None
        if latest != getattr(survivor, attname):
            writes[attname] = latest
            names.append(name)
    if custom_changed:
        writes["custom"] = custom
        names.append("custom")
    return writes, names


def _bump(model: type[models.Model]) -> dict[str, Any]:
    """Columns every write of a record touches: its edit version (so a form opened before the merge is
    refused rather than overwriting it) and its change time."""
    names = {f.name for f in model._meta.concrete_fields}
    bump: dict[str, Any] = {}
    if "version" in names:
        bump["version"] = F("version") + 1
    if "updated_at" in names:
        bump["updated_at"] = timezone.now()
    return bump


def _move_relation(relation: MergeRelation, survivor_id: int, other_ids: list[int], ledger: Ledger) -> None:
    model = relation.model
    attname = column(model, relation.field)
    rows = relation.rows().filter(**{f"{attname}__in": other_ids}).order_by("pk")
    pk_name = model._meta.pk.attname  # type: ignore[union-attr]
    if not relation.unique_with:
        ledger.move(relation, attname, list(rows.values_list(pk_name, attname)), survivor_id, unique=False)
        return
    unique = [column(model, name) for name in relation.unique_with]
    have = set(relation.rows().filter(**{attname: survivor_id}).values_list(*unique))
    moving: list[tuple[int, Any]] = []
    duplicates: list[dict[str, Any]] = []
    for row in rows.values():
        key = tuple(row[u] for u in unique)
        if key in have:
            duplicates.append(row)
        else:
            have.add(key)
            moving.append((row[pk_name], row[attname]))
    ledger.move(relation, attname, moving, survivor_id, unique=True)
    ledger.remove(relation, duplicates)
    ledger.count(relation, len(duplicates))


def _move_team(entity: MergeEntity, survivor: models.Model, other_ids: list[int], ledger: Ledger) -> None:
    """The others' team members join the survivor's team. A user already on it keeps one membership (with
    edit rights if any of theirs had them); the survivor's owner is never a member of its own team."""
    relations = collaborator_relations(entity)
    if not relations:
        return
    relation = relations[0]
    owner_id = getattr(survivor, "owner_id", None)
    members = Collaborator.objects.filter(content_type=ContentType.objects.get_for_model(entity.model))
    columns = [f.attname for f in Collaborator._meta.concrete_fields]
    kept: dict[int, tuple[int, bool]] = {}
    dropped: list[dict[str, Any]] = []
    for row in members.filter(object_id=survivor.pk).order_by("pk").values(*columns):
        if row["user_id"] == owner_id:
            dropped.append(row)  # a member the merge made the owner
        else:
            kept[row["user_id"]] = (row["id"], row["can_edit"])
    moving: list[tuple[int, Any]] = []
    upgraded: list[int] = []
    for row in members.filter(object_id__in=other_ids).order_by("pk").values(*columns):
        user = row["user_id"]
        if user == owner_id:
            dropped.append(row)
        elif user in kept:
            dropped.append(row)
            pk, can_edit = kept[user]
            if row["can_edit"] and not can_edit:
                upgraded.append(pk)
                kept[user] = (pk, True)
        else:
            moving.append((row["id"], row["object_id"]))
            kept[user] = (row["id"], row["can_edit"])
    ledger.move(relation, "object_id", moving, survivor.pk, unique=True)
    if upgraded:
        ledger.moves.append({"key": relation.key, "model": Collaborator._meta.label, "field": "can_edit",
                             "from": False, "to": True, "ids": upgraded, "unique": False})
        Collaborator.objects.filter(pk__in=upgraded).update(can_edit=True)
    ledger.remove(relation, dropped)
    ledger.count(relation, len(dropped))


def _m2m_names(entity: MergeEntity, record: models.Model) -> dict[str, list[str]]:
    return {name: sorted(str(x) for x in getattr(record, name).all()) for name in entity.m2m}


def _timeline(entity: MergeEntity, record: models.Model) -> models.Model:
    return entity.timeline(record) if entity.timeline else record


def merge_records(*, actor, entity: str, survivor: Any, others: list[Any],
                  field_choices: dict[str, Any] | None = None) -> MergeRecord:
    """Merge `others` into `survivor` (records or ids of the registered `entity`).

    `field_choices` maps a field name (or "custom.<key>") to the id of the record whose value survives;
    a field left out keeps the survivor's value unless it is blank, then takes the first other record's.
    Needs the merge right and edit reach on every record; runs in one transaction.
    """
    definition = merge_entity(entity)
    model = definition.model
    survivor_id = _record_id(definition, survivor, "survivor_id")
    other_ids = [_record_id(definition, o, "other_ids") for o in others]
    actor_id = getattr(actor, "pk", None)
    with transaction.atomic():
        candidates = merge_candidates(actor=actor, entity=definition, survivor_id=survivor_id, other_ids=other_ids,
                                      for_update=True)
        records = candidates.records
        target, merged = candidates.survivor, candidates.others
        fields = pickable_fields(definition)
        chosen = _field_choices(actor, fields, records, field_choices or {})
        writes, changed = _survivor_values(definition, fields, records, chosen)
        before_columns = {attname: dump(getattr(target, attname)) for attname in writes}
        before = audit.snapshot(target, changed)
        links_before = _m2m_names(definition, target)
        model._base_manager.filter(pk=target.pk).update(**writes, **_bump(model))
        target.refresh_from_db()
        after_columns = {attname: dump(getattr(target, attname)) for attname in writes}

        ledger = Ledger()
        for relation in merge_relations(definition.name):
            _move_relation(relation, target.pk, other_ids, ledger)
        _move_team(definition, target, other_ids, ledger)
        gone = model._base_manager.filter(pk__in=other_ids, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), deleted_by_id=actor_id, **_bump(model))
        if gone != len(other_ids):
            raise Conflict("conflict", _("Someone else merged or deleted one of these records meanwhile. "
                                         "Reload the page and try again."))
        if definition.after_merge:
            definition.after_merge(survivor=target, merged=merged)
        still_visible(actor, target)

        changes = audit.diff(before, audit.snapshot(target, changed))
        for name, names_before in links_before.items():
            names_after = _m2m_names(definition, target)[name]
            if names_after != names_before:
                changes[name] = [names_before, names_after]
        moved = [{"key": key, "count": n} for key, n in ledger.counts.items()]
        merge = MergeRecord.objects.create(
            entity=definition.name, survivor_id=target.pk, survivor_repr=str(target)[:200],
            actor_id=actor_id, choices=chosen, survivor_before=before_columns, survivor_after=after_columns,
            moves=ledger.moves, removed=ledger.removed, summary={"moved": moved, "fields": sorted(changes)},
        )
        MergedRecord.objects.bulk_create([
            MergedRecord(merge=merge, entity=definition.name, object_id=r.pk, object_repr=str(r)[:200])
            for r in merged
        ])
        names = [{"id": r.pk, "name": str(r)} for r in merged]
        audit.record_many([
            audit.build(actor, f"{definition.name}.merged", target, changes, timeline=_timeline(definition, target),
                        extra={"merge": merge.pk, "merged": names, "moved": moved}),
            *[audit.build(actor, f"{definition.name}.merged_into", r, timeline=_timeline(definition, r),
                          extra={"merge": merge.pk, "survivor": {"id": target.pk, "name": str(target)}})
              for r in merged],
        ])
    events.emit(f"{definition.name}.merged", {"id": target.pk, "merged": [r.pk for r in merged], "merge": merge.pk})
    return merge


# -- undo --


def _refuse_if_merged_again(merge: MergeRecord, entity: MergeEntity, ids: list[int]) -> None:
    """A later merge that took in any record this one merged or moved must be undone first: undoing this
    one under it would split what that merge joined."""
    touched: dict[str, set[int]] = {entity.model._meta.label: set(ids)}
    for move in merge.moves:
        touched.setdefault(move["model"], set()).update(move["ids"])
    later = MergeRecord.objects.filter(pk__gt=merge.pk, status=MergeStatus.MERGED)
    for other in merge_entities():
        record_ids = touched.get(other.model._meta.label)
        if not record_ids:
            continue
        found = (later.filter(entity=other.name)
                 .filter(Q(survivor_id__in=record_ids) | Q(merged__object_id__in=record_ids))
                 .order_by("pk").first())
        if found is not None:
            raise DomainError(errors.MERGED_AGAIN, _(
                "Records of this merge were merged again later (merge #%(id)d into “%(name)s”). "
                "Undo that merge first.") % {"id": found.pk, "name": found.survivor_repr})


def _move_back(moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Put re-pointed rows back; rows deleted or moved elsewhere since stay as they are, and are reported."""
    skipped: dict[str, int] = {}
    for move in reversed(moves):
        model = apps.get_model(move["model"])
        field = move["field"]
        source, target = load(model, field, move["from"]), load(model, field, move["to"])
        ids = move["ids"]
        back = 0
        if move.get("unique"):
            # Link rows one by one: a link the record got again since (after a restore) is left alone.
            for pk in ids:
                try:
                    with transaction.atomic():
                        back += model._base_manager.filter(pk=pk, **{field: target}).update(**{field: source})
                except IntegrityError:
                    pass
        else:
            for start in range(0, len(ids), BATCH):
                back += model._base_manager.filter(pk__in=ids[start:start + BATCH], **{field: target}).update(
                    **{field: source})
        if back < len(ids):
            skipped[move["key"]] = skipped.get(move["key"], 0) + len(ids) - back
    return [{"key": key, "count": n} for key, n in skipped.items()]


def _recreate(removed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recreate the duplicate link rows the merge deleted, with their own ids and times."""
    skipped: dict[str, int] = {}
    for entry in removed:
        model = apps.get_model(entry["model"])
        for row in entry["rows"]:
            obj = model(**{attname: load(model, attname, value) for attname, value in row.items()})
            try:
                with transaction.atomic():
                    # raw: keep the stored times instead of stamping auto_now_add fields afresh
                    obj.save_base(raw=True, force_insert=True)
            except IntegrityError:
                skipped[entry["key"]] = skipped.get(entry["key"], 0) + 1
    return [{"key": key, "count": n} for key, n in skipped.items()]


def _field_name(model: type[models.Model], attname: str) -> str:
    return next(f.name for f in model._meta.concrete_fields if f.attname == attname)


def _survivor_restore(entity: MergeEntity, survivor: models.Model, merge: MergeRecord) -> tuple[dict, list[str]]:
    """The survivor's columns to set back, and the fields left alone because they were edited since the merge.

    A field and the columns that travel with it (a phone and its E.164 form) go back together or not at all.
    """
    before, after = merge.survivor_before or {}, merge.survivor_after or {}
    groups: dict[str, tuple[str, ...]] = {}
    for field in pickable_fields(entity):
        for attname in field.columns:
            groups[attname] = field.columns
    restore: dict[str, Any] = {}
    kept: list[str] = []
    done: set[str] = set()
    for attname in before:
        if attname in done:
            continue
        group = [a for a in groups.get(attname, (attname,)) if a in before]
        done.update(group)
        if all(dump(getattr(survivor, a)) == after.get(a) for a in group):
            restore.update({a: load(entity.model, a, before[a]) for a in group})
        else:
            kept.append(_field_name(entity.model, group[0]))
    return restore, kept


def merge_undo(*, actor, merge: MergeRecord) -> MergeRecord:
    """Undo a merge: the survivor's fields and every moved row go back, the merged records leave the recycle bin.

    Refused when it cannot be done safely: the merge was undone already, a record of it was merged again
    later (undo that first), the survivor is in the recycle bin, or a record was deleted for good. A row
    deleted or moved elsewhere since, or a survivor field edited since, stays as it is; the merge's
    `undo_report` says which.
    """
    require(actor, MERGE_ACTION)
    definition = merge_entity(merge.entity)
    model = definition.model
    actor_id = getattr(actor, "pk", None)
    with transaction.atomic():
        merge = MergeRecord.objects.select_for_update().filter(pk=merge.pk).first()  # type: ignore[assignment]
        if merge is None:
            raise NotFound()
        if merge.status == MergeStatus.UNDONE:
            raise DomainError(errors.ALREADY_UNDONE, _("This merge was already undone."))
        merged_rows = list(merge.merged.order_by("id"))
        merged_ids = [m.object_id for m in merged_rows]
        ids = [merge.survivor_id, *merged_ids]
        list(model._base_manager.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        found = {r.pk: r for r in model._base_manager.filter(pk__in=ids)}
        gone = [merge.survivor_repr] if merge.survivor_id not in found else [
            m.object_repr for m in merged_rows if m.object_id not in found]
        if gone:
            raise DomainError(errors.CANNOT_UNDO, _(
                "“%(name)s” was deleted for good, so this merge cannot be undone.") % {"name": gone[0]})
        survivor = found[merge.survivor_id]
        if getattr(survivor, "deleted_at", None) is not None:
            raise DomainError(errors.CANNOT_UNDO, _(
                "“%(name)s” is in the recycle bin. Restore it before undoing the merge.") % {"name": survivor})
        require(actor, definition.edit_action, survivor, edit=True)
        manager: Any = model._default_manager
        if manager.within_scope(actor, can_edit=True).filter(pk__in=merged_ids).count() != len(merged_ids):
            raise Forbidden()
        _refuse_if_merged_again(merge, definition, ids)

        skipped_rows = _move_back(merge.moves) + _recreate(merge.removed)
        restore, kept = _survivor_restore(definition, survivor, merge)
        restored_names = sorted({_field_name(model, a) for a in restore})
        before = audit.snapshot(survivor, restored_names)
        model._base_manager.filter(pk=survivor.pk).update(**restore, **_bump(model))
        survivor.refresh_from_db()
        model._base_manager.filter(pk__in=merged_ids, deleted_at__isnull=False).update(
            deleted_at=None, deleted_by_id=None, **_bump(model))
        restored = [r for r in model._base_manager.filter(pk__in=merged_ids).order_by("pk")]
        if definition.after_undo:
            definition.after_undo(survivor=survivor, restored=restored)

        report = {"fields": sorted(set(kept)), "rows": skipped_rows}
        undone_at = timezone.now()
        if not MergeRecord.objects.filter(pk=merge.pk, status=MergeStatus.MERGED).update(
                status=MergeStatus.UNDONE, undone_at=undone_at, undone_by_id=actor_id, undo_report=report):
            raise Conflict("conflict", _("Someone else undid this merge meanwhile."))
        merge.status, merge.undone_at, merge.undone_by_id, merge.undo_report = (
            MergeStatus.UNDONE, undone_at, actor_id, report)
        names = [{"id": r.pk, "name": str(r)} for r in restored]
        audit.record_many([
            audit.build(actor, f"{definition.name}.merge_undone", survivor,
                        audit.diff(before, audit.snapshot(survivor, restored_names)),
                        timeline=_timeline(definition, survivor),
                        extra={"merge": merge.pk, "restored": names, "not_undone": report}),
            *[audit.build(actor, f"{definition.name}.unmerged", r, timeline=_timeline(definition, r),
                          extra={"merge": merge.pk, "survivor": {"id": survivor.pk, "name": str(survivor)}})
              for r in restored],
        ])
    events.emit(f"{definition.name}.unmerged", {"id": survivor.pk, "restored": merged_ids, "merge": merge.pk})
    return merge
