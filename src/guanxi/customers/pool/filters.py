"""The pool list filters (grade, industry, region, name search), shared by the pool page and the API."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError

from ..choices import CustomerGrade, Industry
from ..search import customer_search

# Newest in the pool first; keyset paging on the pool index (pool, -id).
ORDERING = ["-id"]


@dataclass
class PoolFilters:
    q: str = ""
    grade: str = ""
    industry: str = ""
    region: str = ""

    @classmethod
    def from_query(cls, params) -> PoolFilters:
        """Read filters from a query dict; a value that is not one of the choices is refused per field."""
        values = {f.name: str(params.get(f.name) or "").strip()[:100] for f in fields(cls)}
        values["region"] = values["region"][:60]
        errors: dict[str, list[str]] = {}
        for name, allowed in (("grade", CustomerGrade.values), ("industry", Industry.values)):
            if values[name] and values[name] not in allowed:
                errors[name] = [_("This value is not valid.")]
        if errors:
            raise DomainError("invalid_filter", _("Some filters are not valid."), errors)
        return cls(**values)

    def apply(self, qs: QuerySet) -> QuerySet:
        exact = {"grade": self.grade, "industry": self.industry}
        qs = qs.filter(**{k: v for k, v in exact.items() if v})
        if self.region:
            qs = qs.filter(region__startswith=self.region)
        return customer_search(qs, self.q)

    def is_active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))
