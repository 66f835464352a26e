"""What can be imported: apps above data quality register their entities (customers, contacts, leads)
from `AppConfig.ready()` with the fields a column may map to and the bulk functions that check, match
and write a chunk of rows. The import itself never imports those apps.

A chunk of rows goes through the entity's functions in this order:

1. `prepare(rows)` builds each row's unsaved record from `row.values` and validates it as the entity's
   service would (field errors to `row.errors`), and sets `row.keys`: the (kind, value) pairs that make
   two rows the same party (company key, phone, email). It must not touch the database: for big files
   it runs in a worker process.
2. `resolve(actor, rows)` looks up what the rows name (the owner, a contact's customer) within the
   actor's reach, completing the records or adding errors. A handful of queries per chunk.
3. `duplicate_finder(actor, rows)` sets `row.matches` for the valid rows: existing records with the same
   keys, as much of each as the actor may see. A handful of queries per chunk, whatever its size.
4. `bulk_writer(actor, creates, updates, source)` saves, inside the import's transaction: new records
   from `row.record`, changes from `row.values` onto `row.target` (a visible, editable match), with
   their audit events, match keys, search documents and domain events. It sets `row.record_id`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

# Kinds of field: how a cell is read before the entity validates it.
TEXT = "text"
CHOICE = "choice"
DATE = "date"
DATETIME = "datetime"
BOOLEAN = "boolean"
NUMBER = "number"
USER = "user"  # a user by user name or display name
RECORD = "record"  # another record by name or ID (a contact's customer)


@dataclass(frozen=True)
class ImportField:
    """A field a column may map to. `aliases` are other column names it goes by, in any language."""

    key: str
    label: Any
    kind: str = TEXT
    required: bool = False
    choices: Any = None  # a TextChoices class, or (value, label) pairs
    aliases: tuple[str, ...] = ()
    # Blank cells of an update leave the stored value; a field never changed by an update (the owner,
    # the customer of a contact) says so here.
    updatable: bool = True


@dataclass
class Match:
    """An existing record a row may describe, as much of it as the actor may see."""

    record_id: int | None  # only when visible
    visible: bool
    editable: bool
    summary: str  # "Customer: Already followed by 王芳 (销售二部) — same phone"
    record: Any = field(default=None, repr=False, compare=False)  # never shown or stored

    def as_dict(self) -> dict:
        return {"record_id": self.record_id, "visible": self.visible, "editable": self.editable,
                "summary": self.summary}


@dataclass
class ImportRow:
    """One data row of the file on its way in."""

    index: int  # 0-based among the data rows
    number: int  # the row number a spreadsheet shows
    cells: list[Any]
    values: dict[str, Any] = field(default_factory=dict)  # field key → value read from its cell
    custom: dict[str, Any] = field(default_factory=dict)  # custom field key → value
    errors: dict[str, list[str]] = field(default_factory=dict)
    keys: list[tuple[str, str]] = field(default_factory=list)
    record: Any = None
    # The record's fields as its creation's audit event records them, worked out with the record.
    changes: dict[str, Any] = field(default_factory=dict)
    matches: list[Match] = field(default_factory=list)
    action: str = ""
    target: Any = None
    reason: str = ""  # why a row is skipped: a key of running.SKIP_REASONS
    detail: str = ""
    fingerprint: str = ""
    record_id: int | None = None

    def add_error(self, key: str, message: Any) -> None:
        self.errors.setdefault(key, []).append(str(message))

    def fail(self, message: Any, key: str = "__all__") -> None:
        """A writer found the row cannot be saved after all (its record was deleted meanwhile)."""
        self.add_error(key, message)
        self.action, self.record_id = "fail", None

    def unchanged(self) -> None:
        """A writer found the update would change nothing."""
        self.action, self.reason, self.record_id = "skip", "unchanged", None


Prepare = Callable[[list[ImportRow]], None]
Resolve = Callable[[Any, list[ImportRow]], None]
Finder = Callable[[Any, list[ImportRow]], None]
Writer = Callable[[Any, list[ImportRow], list[ImportRow], dict], None]


@dataclass(frozen=True)
class Importable:
    name: str
    label: Any
    model: type[models.Model]
    fields: tuple[ImportField, ...]
    prepare: Prepare
    resolve: Resolve
    duplicate_finder: Finder
    bulk_writer: Writer
    # Rights needed besides dataquality.import: to create (customers.create) and to update a match.
    action: str
    edit_action: str
    custom_field_entity: str = ""
    # The tables and columns the duplicate finder looks rows up by (model, field names): an import keeps
    # their planner statistics fresh as it grows them (core.statistics).
    lookups: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = ()

    def field(self, key: str) -> ImportField | None:
        return next((f for f in self.fields if f.key == key), None)


_IMPORTABLES: dict[str, Importable] = {}


def register_importable(name: str, *, label: Any, model: type[models.Model], fields: list[ImportField],
                        prepare: Prepare, resolve: Resolve, duplicate_finder: Finder, bulk_writer: Writer, action: str,
                        edit_action: str, custom_field_entity: str = "",
                        lookups: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = ()) -> None:
    """Offer an entity for import; called from the owning app's `AppConfig.ready()`."""
    _IMPORTABLES[name] = Importable(
        name=name, label=label, model=model, fields=tuple(fields), prepare=prepare, resolve=resolve,
        duplicate_finder=duplicate_finder, bulk_writer=bulk_writer, action=action, edit_action=edit_action,
        custom_field_entity=custom_field_entity, lookups=lookups,
    )


def importable(name: str) -> Importable | None:
    return _IMPORTABLES.get(name)


def importables() -> list[Importable]:
    return list(_IMPORTABLES.values())


def importables_for(actor) -> list[Importable]:
    """The entities the actor may import: dataquality.import and the entity's own right."""
    if not actor.has_action("dataquality.import"):
        return []
    return [i for i in _IMPORTABLES.values() if actor.has_action(i.action)]
