"""One definition of the customer list filters, shared by the HTML list and the API."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import customfields
from guanxi.core.errors import DomainError
from guanxi.core.models import CustomFieldKind

from .choices import CustomerGrade, CustomerSource, CustomerStatus, Industry
from .search import customer_search

# Sort keys a user may choose, each ending in the primary key so keyset paging is exact.
ORDERINGS: dict[str, list[str]] = {
    "-created": ["-id"],
    "created": ["id"],
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "-updated": ["-updated_at", "-id"],
}

# Custom field filters arrive as `cf_<key>=<value>` and match the stored value exactly.
CUSTOM_PREFIX = "cf_"


@dataclass
class CustomerFilters:
    q: str = ""
    owner: int | None = None
    status: str = ""
    grade: str = ""
    industry: str = ""
    source: str = ""
    tag: int | None = None
    region: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    not_contacted_days: int | None = None
    follow_up_due: bool = False
    sort: str = "-created"
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_query(cls, params) -> CustomerFilters:
        """Read filters from a query dict; a malformed value is refused with a field error."""
        errors: dict[str, list[str]] = {}
        values: dict = {}
        for f in fields(cls):
            if f.name == "custom":
                continue
            raw = params.get(f.name)
            if raw in (None, ""):
                continue
            raw = str(raw).strip()[:200]
            try:
                if f.name in {"owner", "tag", "not_contacted_days"}:
                    number = int(raw)
                    if number < 0 or number > 100_000_000:
                        raise ValueError
                    values[f.name] = number
                elif f.name in {"created_from", "created_to"}:
                    values[f.name] = dt.date.fromisoformat(raw)
                elif f.name == "follow_up_due":
                    values[f.name] = raw.lower() in {"1", "true", "yes", "on"}
                else:
                    values[f.name] = raw
            except ValueError:
                errors[f.name] = [_("This value is not valid.")]
        choice_sets = {"status": CustomerStatus.values, "grade": CustomerGrade.values,
                       "industry": Industry.values, "source": CustomerSource.values, "sort": list(ORDERINGS)}
        for name, allowed in choice_sets.items():
            if name in values and values[name] not in allowed:
                errors[name] = [_("This value is not valid.")]
        custom = _custom_from_query(params, errors)
        if errors:
            raise DomainError("invalid_filter", _("Some filters are not valid."), errors)
        return cls(**values, custom=custom)

    @property
    def ordering(self) -> list[str]:
        return ORDERINGS[self.sort]

    def apply(self, qs: QuerySet) -> QuerySet:
        exact = {"owner_id": self.owner, "status": self.status, "grade": self.grade,
                 "industry": self.industry, "source": self.source}
        qs = qs.filter(**{k: v for k, v in exact.items() if v not in (None, "")})
        if self.region:
            qs = qs.filter(region__startswith=self.region)
        if self.tag:
            # A subquery, not a join: the list keeps reading customers in page order and
            # checks the tag per row, instead of sorting every tagged customer first.
            tagged = qs.model.tags.through.objects.filter(tag_id=self.tag).values("customer_id")
            qs = qs.filter(pk__in=tagged)
        tz = timezone.get_current_timezone()
        if self.created_from:
            qs = qs.filter(created_at__gte=dt.datetime.combine(self.created_from, dt.time.min, tz))
        if self.created_to:
            qs = qs.filter(created_at__lt=dt.datetime.combine(self.created_to + dt.timedelta(days=1), dt.time.min, tz))
        if self.not_contacted_days is not None:
            cutoff = timezone.now() - dt.timedelta(days=self.not_contacted_days)
            qs = qs.filter(Q(last_contacted_at__lt=cutoff) | Q(last_contacted_at__isnull=True, created_at__lt=cutoff))
        if self.follow_up_due:
            qs = qs.filter(next_follow_up_at__lte=timezone.now())
        for key, value in self.custom.items():
            qs = qs.filter(_custom_match(key, value))
        return customer_search(qs, self.q)

    def is_active(self) -> bool:
        return bool(self.custom) or any(
            getattr(self, f.name) not in (None, "", False) for f in fields(self) if f.name not in ("sort", "custom")
        )


def _custom_from_query(params, errors: dict[str, list[str]]) -> dict[str, Any]:
    """`cf_<key>` parameters checked against the customer custom field definitions."""
    wanted = {str(k)[len(CUSTOM_PREFIX):]: params.get(k) for k in params if str(k).startswith(CUSTOM_PREFIX)}
    wanted = {k: str(v).strip()[:200] for k, v in wanted.items() if v not in (None, "")}
    if not wanted:
        return {}
    definitions = {d.key: d for d in customfields.definitions("customers.customer")}
    custom: dict[str, Any] = {}
    for key, raw in wanted.items():
        definition = definitions.get(key)
        # A key with "__" would read as a lookup path, so such a field is not offered as a filter.
        if definition is None or "__" in key:
            errors[f"{CUSTOM_PREFIX}{key}"] = [_("There is no such field.")]
            continue
        try:
            if definition.kind == CustomFieldKind.MULTI_CHOICE:
                # One offered option; matches records whose selection includes it.
                custom[key] = customfields.clean_value(definition, [raw])
            else:
                custom[key] = customfields.clean_value(definition, raw)
        except ValueError as exc:
            errors[f"{CUSTOM_PREFIX}{key}"] = [str(exc)]
    return custom


def _custom_match(key: str, value: Any) -> Q:
    if isinstance(value, list):
        # A multiple-choice value is a JSON list; an option is matched with its JSON quotes so
        # "A" does not match "AB". JSON containment is not available on SQLite, and databases
        # differ in whether they keep non-ASCII characters escaped, so both spellings match.
        condition = Q()
        for option in value:
            spellings = {json.dumps(option, ensure_ascii=False), json.dumps(option)}
            either = Q()
            for spelling in spellings:
                either |= Q(Contains(KeyTextTransform(key, "custom"), spelling))
            condition &= either
        return condition
    return Q(**{f"custom__{key}": value})
