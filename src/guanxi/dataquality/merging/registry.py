"""What can be merged and what a merge moves: apps above data quality register both at start-up.

An app that owns a kind of record (customers: customers and contacts) registers it with
`register_merge_entity`: its model, the fields whose surviving value the user picks, the right that
lets a user edit it. Every app whose rows point to such a record says so with
`register_merge_relation` ("my follow-ups point to a customer through `customer`: move them"), so the
merge moves them without this app importing the app. Team members (core collaborators) of a record
with `has_collaborators` move without registration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from guanxi.core.errors import DomainError


@dataclass(frozen=True)
class MergeField:
    """A field whose surviving value the user picks from one of the records.

    `companions` are columns derived from it that travel with it (a phone's E.164 form, an owner's
    department); `action` is a right needed to take another record's value (an owner change is a
    transfer); `mask` ("phone" or "email") hides the value from users without `sensitive_action`.
    """

    name: str
    label: Any = None
    companions: tuple[str, ...] = ()
    action: str = ""
    mask: str = ""


@dataclass(frozen=True)
class MergeRelation:
    """Rows of `model` that point to a record of an entity through `field` and move to the survivor.

    `field` is a foreign key or a plain id column (then `filter` narrows the rows, e.g. to one content
    type). With `unique_with`, a row whose values of those fields the survivor already has is a
    duplicate (the same tag twice): it is deleted rather than moved, and recreated by an undo. Such
    rows must be plain links that nothing else points to.
    """

    entity: str
    model: type[models.Model]
    field: str
    unique_with: tuple[str, ...] = ()
    label: Any = None
    filter: Callable[[], dict[str, Any]] | None = None

    @property
    def key(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field}"

    @property
    def verbose_name(self) -> Any:
        return self.label or self.model._meta.verbose_name_plural

    def rows(self) -> models.QuerySet:
        """Every row of the model this relation covers, deleted ones (a recycle bin) included."""
        qs = self.model._base_manager.all()
        return qs.filter(**self.filter()) if self.filter else qs


@dataclass(frozen=True)
class MergeEntity:
    """A kind of record duplicates of which can be merged."""

    name: str  # "customer": what pages, the API and relations call it
    model: type[models.Model]
    fields: tuple[MergeField, ...]
    edit_action: str  # with edit reach on every record involved
    view_action: str = ""
    custom_fields: str = ""  # the custom-field entity, e.g. "customers.customer": each field is picked too
    m2m: tuple[str, ...] = ()  # many-to-many fields of the model whose links are united on the survivor
    latest: tuple[str, ...] = ()  # fields that take the latest value of all records (last contacted)
    same: tuple[str, ...] = ()  # fields all records must share (a contact's customer)
    sensitive_action: str = ""  # who sees masked fields unmasked
    select_related: tuple[str, ...] = ()
    url: Callable[[int], str] | None = None  # the page of a record, from its id
    timeline: Callable[[Any], models.Model] | None = None  # whose timeline shows the merge (a contact's customer)
    search: Callable[[Any, str], Iterable[Any]] | None = None  # records to merge with, for the picker
    after_merge: Callable[..., None] | None = None  # (survivor=, merged=) keep derived data in step
    after_undo: Callable[..., None] | None = None  # (survivor=, restored=)
    label_plural: Any = None

    @property
    def label(self) -> Any:
        return self.model._meta.verbose_name

    @property
    def plural(self) -> Any:
        return self.label_plural or self.model._meta.verbose_name_plural

    @property
    def model_label(self) -> str:
        return self.model._meta.label_lower

    def field(self, name: str) -> MergeField | None:
        return next((f for f in self.fields if f.name == name), None)


_ENTITIES: dict[str, MergeEntity] = {}
_RELATIONS: dict[str, dict[str, MergeRelation]] = {}


def register_merge_entity(name: str, model: type[models.Model], *, fields: Iterable[MergeField | str],
                          edit_action: str, **options: Any) -> MergeEntity:
    """Let duplicates of `model` be merged; called from the owning app's `AppConfig.ready()`.

    `fields` are field names or `MergeField`s; the other options are those of `MergeEntity`.
    """
    if not hasattr(model, "deleted_at") or not hasattr(model, "deleted_by"):
        raise ValueError(f"{model._meta.label} needs soft delete (core.models.SoftDeleteModel) to be merged")
    entity = MergeEntity(
        name=name, model=model, edit_action=edit_action,
        fields=tuple(f if isinstance(f, MergeField) else MergeField(f) for f in fields), **options,
    )
    _ENTITIES[name] = entity
    return entity


def register_merge_relation(entity: str, model: type[models.Model], field: str, *,
                            unique_with: Iterable[str] = (), label: Any = None,
                            filter: Callable[[], dict[str, Any]] | None = None) -> MergeRelation:
    """Say that rows of `model` point to a record of `entity` through `field` and move on a merge."""
    relation = MergeRelation(entity=entity, model=model, field=field, unique_with=tuple(unique_with), label=label,
                             filter=filter)
    _RELATIONS.setdefault(entity, {})[relation.key] = relation
    return relation


def merge_entities() -> list[MergeEntity]:
    return list(_ENTITIES.values())


def merge_entity(name: str) -> MergeEntity:
    """The registered entity, or a clear error naming those that can be merged."""
    from django.utils.translation import gettext as _

    entity = _ENTITIES.get(str(name or ""))
    if entity is None:
        raise DomainError("unknown_entity", _("Records of this kind cannot be merged."),
                          {"entity": [_("Choose one of: %(names)s.") % {"names": ", ".join(sorted(_ENTITIES))}]})
    return entity


def entity_for_model(model: type[models.Model]) -> MergeEntity | None:
    return next((e for e in _ENTITIES.values() if e.model is model), None)


def merge_relations(entity: str) -> list[MergeRelation]:
    """The registered relations of `entity`, then the links of its own many-to-many fields."""
    found = list(_RELATIONS.get(entity, {}).values())
    registered = _ENTITIES.get(entity)
    if registered is not None:
        for name in registered.m2m:
            m2m: Any = registered.model._meta.get_field(name)
            through = m2m.remote_field.through
            found.append(MergeRelation(entity=entity, model=through, field=m2m.m2m_field_name(),
                                       unique_with=(m2m.m2m_reverse_field_name(),), label=m2m.verbose_name))
    return found
