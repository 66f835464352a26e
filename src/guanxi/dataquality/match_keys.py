"""Keeping match keys in step with the records they describe.

The service that saves a record calls these inside its own transaction, after its permission
check: keys are derived data, not a change a user makes, so they are neither checked nor audited
again. Bulk loaders write `match_key_rows` directly.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Q

from .choices import MatchKind
from .models import MatchKey
from .normalise import company_name_key, normalise_email, phone_key


def entity_of(model: type[models.Model] | models.Model) -> str:
    """The entity label keys are stored under: the model's label, e.g. "customers.customer"."""
    return model._meta.label_lower


def wanted_keys(*, name: str | None = None, phones: Iterable[str] | None = None,
                emails: Iterable[str] | None = None) -> dict[str, set[str]]:
    """The keys of the kinds given (None: that kind is left alone), normalised; blanks dropped."""
    wanted: dict[str, set[str]] = {}
    if name is not None:
        wanted[MatchKind.NAME] = {k for k in [company_name_key(name)] if k}
    if phones is not None:
        wanted[MatchKind.PHONE] = {k for k in (phone_key(p) for p in phones) if k}
    if emails is not None:
        wanted[MatchKind.EMAIL] = {k for k in (normalise_email(e) for e in emails) if k}
    return wanted


def match_key_rows(entity: str, object_id: int, *, name: str | None = None, phones: Iterable[str] | None = None,
                   emails: Iterable[str] | None = None) -> list[tuple[str, int, str, str]]:
    """(entity, object_id, kind, value) rows for a bulk writer, in MATCH_KEY_COLUMNS order."""
    wanted = wanted_keys(name=name, phones=phones, emails=emails)
    return [(entity, object_id, str(kind), value) for kind, values in wanted.items() for value in sorted(values)]


MATCH_KEY_COLUMNS = ["entity", "object_id", "kind", "value"]


def match_keys_refresh(record: models.Model, *, name: str | None = None, phones: Iterable[str] | None = None,
                       emails: Iterable[str] | None = None) -> None:
    """Make the record's keys of each kind given equal to the keys of these values.

    `name` is a company (or customer) name, `phones` any written phone numbers, `emails` any
    addresses; a kind passed as None keeps its stored keys, an empty value removes them.
    """
    wanted = wanted_keys(name=name, phones=phones, emails=emails)
    if not wanted:
        return
    entity = entity_of(record)
    stored = MatchKey.objects.filter(entity=entity, object_id=record.pk, kind__in=list(wanted))
    have = set(stored.values_list("kind", "value"))
    want = {(kind, value) for kind, values in wanted.items() for value in values}
    stale = have - want
    if stale:
        gone = Q()
        for kind, value in stale:
            gone |= Q(kind=kind, value=value)
        stored.filter(gone).delete()
    MatchKey.objects.bulk_create(
        [MatchKey(entity=entity, object_id=record.pk, kind=kind, value=value) for kind, value in sorted(want - have)]
    )


def match_keys_remove(record: models.Model) -> None:
    """The record was deleted (to the recycle bin or for good): nothing matches it any more."""
    match_keys_remove_many(type(record), [record.pk])


def match_keys_remove_many(model: type[models.Model], ids: Iterable[int]) -> None:
    MatchKey.objects.filter(entity=entity_of(model), object_id__in=list(ids)).delete()


def match_key_ids(model: type[models.Model], kind: str, value: str, *, limit: int = 50) -> list[int]:
    """Ids of `model`'s records with this key: one equality lookup on the (kind, value) index."""
    if not value:
        return []
    rows = MatchKey.objects.filter(kind=kind, value=value, entity=entity_of(model))
    return list(rows.order_by("-object_id").values_list("object_id", flat=True)[:limit])
