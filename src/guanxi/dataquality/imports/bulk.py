"""What the entities' bulk import functions share (customers.bulk, sales.leads.bulk): checking a row's
record as a service would, naming its owner, putting a row on an existing record, and saving changed
records in bulk with their versions bumped. Generic over models; no entity is imported here."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import audit, context
from guanxi.core.models import AuditEvent
from guanxi.core.text import normalise_phone
from guanxi.dataquality.collisions import Collision

from .registry import BOOLEAN, CHOICE, DATE, DATETIME, NUMBER, ImportField, ImportRow, Match

BATCH = 500
PHONE_ERROR = gettext_lazy("Enter a valid phone number, e.g. 13812345678 or +86 10 8888 6666.")
# Foreign keys are resolved per chunk; Django's per-field check would query once for each row.
NOT_VALIDATED = ["owner", "department", "created_by", "deleted_by", "pool", "customer"]


def model_errors(row: ImportRow, obj, skip: list[str], typed: frozenset[str] = frozenset()) -> None:
    """The model's own field checks (lengths, choices, email and URL forms), as the services run them, on
    the fields the row sets and those that may not be left blank; the others keep their valid defaults.
    `typed` fields were read as a choice, date or number already (cells.py), against the same choices."""
    unset = [f.name for f in obj._meta.concrete_fields
             if (f.name not in row.values or f.name in typed) and (f.blank or f.has_default())]
    try:
        obj.full_clean(exclude=[*NOT_VALIDATED, *skip, *unset], validate_unique=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for message in messages:
                row.add_error(key, message)


def typed_fields(fields: list[ImportField]) -> frozenset[str]:
    """The fields whose cells are read into checked values (choices, dates, numbers, yes/no)."""
    return frozenset(f.key for f in fields if f.kind in (CHOICE, DATE, DATETIME, BOOLEAN, NUMBER))


def phone_e164(row: ImportRow, value: str, field: str) -> str:
    if not value:
        return ""
    normalised = normalise_phone(value)
    if normalised is None:
        row.add_error(field, PHONE_ERROR)
        return ""
    return normalised


def required_custom(row: ImportRow, definitions) -> dict:
    """The row's custom values (each already checked against its definition) with the required ones
    present; the definitions are read once per chunk, not per row as customfields.validate would."""
    for definition in definitions:
        if definition.required and row.custom.get(definition.key) in (None, "", []):
            row.add_error(f"custom.{definition.key}", _("This field is required."))
    return dict(row.custom)


def named_owner(row: ImportRow, actor, owners: dict[str, list]):
    """The owner a row names, among the users the actor may give records to; the actor by default."""
    name = str(row.values.get("owner") or "").strip()
    if not name:
        return actor
    found = owners.get(name, [])
    if len(found) == 1:
        return found[0]
    if found:
        row.add_error("owner", _("Several users are called “%(name)s”; use the user name.") % {"name": name})
    else:
        row.add_error("owner", _("“%(name)s” is not a user you may give records to.") % {"name": name[:50]})
    return None


def row_fields(row: ImportRow, allowed: list[str]) -> dict[str, Any]:
    data = {k: v for k, v in row.values.items() if k in allowed and k not in ("owner", "customer")}
    if isinstance(data.get("email"), str):
        data["email"] = data["email"].strip().lower()
    return data


def as_match(collision: Collision, editable: bool) -> Match:
    return Match(record_id=collision.record_id, visible=collision.visible, editable=editable and collision.visible,
                 summary=collision.summary, record=collision.record)


def reach(actor, model, ids: list[int]) -> tuple[set[int], set[int]]:
    """Which of `ids` the actor sees, and may edit."""
    if not ids or not actor.has_action(f"{model.scope_module}.view"):
        return set(), set()
    manager: Any = model._default_manager
    visible = set(manager.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    editable = set(manager.editable_by(actor).filter(pk__in=ids).values_list("pk", flat=True)) & visible
    return visible, editable


def apply_row(row: ImportRow, obj, allowed: list[str], phones: tuple[str, ...]) -> tuple[list, dict]:
    """Put a row's values on an existing record; (fields to save, field changes). Blank cells change nothing."""
    data = row_fields(row, allowed)
    before = audit.snapshot(obj, list(data))
    for key, value in data.items():
        setattr(obj, key, value.strip() if isinstance(value, str) else value)
    after = audit.snapshot(obj, list(data))
    changes = audit.diff(before, after)
    fields = list(changes)
    for field in phones:
        if field in changes:
            setattr(obj, f"{field}_e164", normalise_phone(getattr(obj, field)) or "")
            fields.append(f"{field}_e164")
    if row.custom:
        merged = {**obj.custom, **row.custom}
        if merged != obj.custom:
            changes["custom"] = [obj.custom, merged]
            obj.custom = merged
            fields.append("custom")
    return fields, changes


def save_updates(model, changed: list[tuple[Any, list[str]]]) -> None:
    """One UPDATE per batch for the changed records, version and time bumped as versioned_update does."""
    if not changed:
        return
    now = timezone.now()
    fields = sorted({f for _obj, fs in changed for f in fs} | {"version", "updated_at"})
    for obj, _fs in changed:
        obj.version += 1
        obj.updated_at = now
    model.objects.bulk_update([obj for obj, _fs in changed], fields, batch_size=BATCH)


def locked_for_update(model, rows: list[ImportRow], actor) -> dict[int, Any]:
    """The records to update, read again under a row lock (PostgreSQL) and still editable by the actor."""
    ids = [r.target.pk for r in rows]
    manager: Any = model._default_manager
    return manager.editable_by(actor).filter(pk__in=ids).order_by("pk").select_for_update(of=("self",)).in_bulk()


# -- writing many rows at once --
#
# Django's bulk_create spends more time preparing each value than the database spends storing it; a
# 100,000-row import writes 400,000 rows (records, audit events, match keys, fingerprints). These write
# what bulk_create would, with the conversions the backends make done once per column.


def _sqlite_moment(value: dt.datetime) -> str:
    # What Django's SQLite backend stores: naive UTC in ISO form.
    if timezone.is_aware(value):
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(" ")


def _converters(model: type[models.Model], columns: list[str]) -> list[Callable[[Any], Any] | None]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    sqlite = connection.vendor == "sqlite"
    out: list[Callable[[Any], Any] | None] = []
    for column in columns:
        f = by_attname[column]
        if isinstance(f, models.JSONField):
            out.append(json.dumps)
        elif isinstance(f, models.DateTimeField) and sqlite:
            out.append(_sqlite_moment)
        elif isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField) and sqlite:
            out.append(dt.date.isoformat)
        else:
            out.append(None)
    return out


def insert_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """Rows of plain Python values (in `columns` order, attribute names) in one statement per batch:
    executemany on SQLite, COPY on PostgreSQL."""
    if not rows:
        return
    convert = [(i, c) for i, c in enumerate(_converters(model, columns)) if c is not None]
    if convert:
        prepared = []
        # Most rows of a chunk share their times (created_at, updated_at): each is converted once.
        done: dict[tuple[int, int], Any] = {}
        for row in rows:
            values = list(row)
            for i, c in convert:
                value = values[i]
                if value is not None:
                    key = (i, id(value))
                    if key not in done or done[key][0] is not value:
                        done[key] = (value, c(value))
                    values[i] = done[key][1]
            prepared.append(tuple(values))
        rows = prepared
    by_attname = {f.attname: str(f.column) for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(by_attname[c]) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


def _new_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for `count` new rows, handed out as the database would. On SQLite the import's transaction
    already holds the write lock, so nobody takes an id in between."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [connection.ops.quote_name(table), str(model._meta.pk.column), count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(str(model._meta.pk.column))}) FROM "
                       f"{connection.ops.quote_name(table)}")
        last = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        first = max(last, found[0] if found else 0) + 1
        return list(range(first, first + count))


def insert(model: type[models.Model], objs: list[models.Model]) -> None:
    """New records in bulk, as bulk_create would save them: ids set on the objects, auto_now fields filled."""
    if not objs:
        return
    fields = model._meta.concrete_fields
    now = timezone.now()
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj, pk in zip(objs, _new_ids(model, len(objs)), strict=True):
        obj.pk = pk
        for f in stamped:
            if getattr(f, "auto_now", False) or getattr(obj, f.attname) is None:
                setattr(obj, f.attname, now)
        obj._state.adding = False
        obj._state.db = connection.alias
    columns = [f.attname for f in fields]
    values = attrgetter(*columns)
    insert_rows(model, columns, [values(obj) for obj in objs])


AUDIT_COLUMNS = ["created_at", "actor_id", "action", "content_type_id", "object_id", "object_repr", "timeline_key",
                 "changes", "extra", "request_id", "ip"]


def audit_rows(actor, action: str, objs: list[models.Model], changes: list[dict], *, extra: dict,
               timelines: list[models.Model] | None = None) -> list[tuple]:
    """The audit events core.audit.build would make for these records, as rows for insert_rows. The
    changes and `extra` must be plain JSON values already, as audit.snapshot and audit.diff give them."""
    if not objs:
        return []
    ctx = context.current()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    content_type = ContentType.objects.get_for_model(objs[0]).pk
    now = timezone.now()
    subjects = timelines or objs
    return [(now, actor_id, action, content_type, str(obj.pk), str(obj)[:200], audit.timeline_key(subject),
             change, extra, ctx.request_id, ctx.ip)
            for obj, change, subject in zip(objs, changes, subjects, strict=True)]


def insert_audit(rows: list[tuple]) -> None:
    insert_rows(AuditEvent, AUDIT_COLUMNS, rows)

