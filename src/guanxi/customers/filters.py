"""One definition of the customer list filters, shared by the HTML list and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError

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

    @classmethod
    def from_query(cls, params) -> CustomerFilters:
        """Read filters from a query dict; a malformed value is refused with a field error."""
        errors: dict[str, list[str]] = {}
        values: dict = {}
        for f in fields(cls):
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
        if errors:
            raise DomainError("invalid_filter", _("Some filters are not valid."), errors)
        return cls(**values)

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
            qs = qs.filter(tags__id=self.tag)
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
        return customer_search(qs, self.q)

    def is_active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "", False) for f in fields(self) if f.name != "sort")
