"""Records that can go through approval (可审批的记录). Apps above automation register theirs from
`AppConfig.ready()`, so this app reads their facts and calls back into them without importing them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError

FactReader = Callable[[Any], Any]
# fn(record, request, actor), called inside the transaction that settles the request.
Hook = Callable[[Any, Any, Any], None]

_LABEL = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_FACT = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Larger numbers cannot be a real amount or percentage; refusing them keeps comparisons exact.
FACT_LIMIT = Decimal("1e15")


@dataclass(frozen=True)
class Approvable:
    """How the approval engine reads and calls back one kind of record."""

    label: str  # the model's label_lower, e.g. "quotes.quote"
    verbose_name: object
    facts: dict[str, FactReader]
    title: Callable[[Any], str]
    url: Callable[[Any], str]
    on_approved: Hook | None = None
    on_rejected: Hook | None = None
    on_returned: Hook | None = None
    on_withdrawn: Hook | None = None
    fact_labels: dict[str, object] = field(default_factory=dict)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    def fact_label(self, name: str) -> str:
        label = self.fact_labels.get(name)
        return str(label) if label is not None else name.replace("_", " ")

    def fact_choices(self) -> list[tuple[str, str]]:
        return [(name, self.fact_label(name)) for name in self.facts]

    def read_facts(self, record: models.Model) -> dict[str, str | None]:
        """Each fact as a decimal string; None when the record has no number for it."""
        return {name: as_number(reader(record)) for name, reader in self.facts.items()}


def as_number(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) >= FACT_LIMIT:
        return None
    return str(number)


_REGISTRY: dict[str, Approvable] = {}


def register_approvable(
    label: str,
    *,
    verbose_name: object,
    facts: dict[str, FactReader],
    title: Callable[[Any], str],
    url: Callable[[Any], str],
    on_approved: Hook | None = None,
    on_rejected: Hook | None = None,
    on_returned: Hook | None = None,
    on_withdrawn: Hook | None = None,
    fact_labels: dict[str, object] | None = None,
) -> Approvable:
    """Let records of `label` go through approval flows.

    `facts` are the numbers flow conditions may test. The hooks run inside the transaction of
    the decision that settles a request; without `on_withdrawn`, a withdrawn request calls
    `on_returned` (either way the record is back with its owner for changes).
    """
    if not _LABEL.match(label):
        raise ValueError(f"approvable label must be app_label.model_name in lower case, got {label!r}")
    bad = [name for name in facts if not _FACT.match(name)]
    if bad:
        raise ValueError(f"fact names must be lower-case identifiers of at most 40 characters: {bad}")
    approvable = Approvable(label, verbose_name, dict(facts), title, url, on_approved, on_rejected, on_returned,
                            on_withdrawn, dict(fact_labels or {}))
    _REGISTRY[label] = approvable
    return approvable


def unregister_approvable(label: str) -> None:
    _REGISTRY.pop(label, None)


def approvables() -> list[Approvable]:
    return list(_REGISTRY.values())


def find_approvable(label: str) -> Approvable | None:
    return _REGISTRY.get(label)


def approvable_for(record: models.Model) -> Approvable:
    """The registration of the record's model, or a DomainError saying it needs no approval."""
    approvable = _REGISTRY.get(record._meta.label_lower)
    if approvable is None:
        raise DomainError("not_approvable", _("Records of this kind do not go through approval."))
    return approvable
