"""One definition of the opportunity filters, shared by the board, the list, the summary and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError

from .choices import OpportunityStatus

# Sort keys of the list, each ending in the primary key so keyset paging is exact.
ORDERINGS: dict[str, list[str]] = {
    "-created": ["-id"],
    "created": ["id"],
    "-amount": ["-amount", "-id"],
    "amount": ["amount", "id"],
    "-updated": ["-updated_at", "-id"],
}
WHO = ("mine", "team")
_INTEGERS = {"owner", "pipeline", "stage", "customer"}


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First day of `YYYY-MM` and first day of the month after."""
    start = dt.datetime.strptime(month, "%Y-%m").date()
    if not 1900 <= start.year <= 2200:
        raise ValueError(month)
    end = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


@dataclass
class OpportunityFilters:
    q: str = ""
    owner: int | None = None
    who: str = ""
    close_month: str = ""
    pipeline: int | None = None
    stage: int | None = None
    status: str = ""
    customer: int | None = None
    sort: str = "-created"

    @classmethod
    def from_query(cls, params) -> OpportunityFilters:
        """Read filters from a query dict; a malformed value is refused with a field error."""
        errors: dict[str, list[str]] = {}
        values: dict = {}
        for f in fields(cls):
            raw = params.get(f.name)
            if raw in (None, ""):
                continue
            raw = str(raw).strip()[:100]
            try:
                if f.name in _INTEGERS:
                    number = int(raw)
                    if number < 1 or number >= 2**63:
                        raise ValueError
                    values[f.name] = number
                elif f.name == "close_month":
                    month_bounds(raw)
                    values[f.name] = raw
                else:
                    values[f.name] = raw
            except ValueError:
                errors[f.name] = [_("This value is not valid.")]
        choice_sets = {"who": list(WHO), "status": OpportunityStatus.values, "sort": list(ORDERINGS)}
        for name, allowed in choice_sets.items():
            if name in values and values[name] not in allowed:
                errors[name] = [_("This value is not valid.")]
        if errors:
            raise DomainError("invalid_filter", _("Some filters are not valid."), errors)
        return cls(**values)

    @property
    def ordering(self) -> list[str]:
        return ORDERINGS[self.sort]

    def apply(self, qs: QuerySet, *, actor) -> QuerySet:
        exact = {"owner_id": self.owner, "pipeline_id": self.pipeline, "stage_id": self.stage,
                 "status": self.status, "customer_id": self.customer}
        qs = qs.filter(**{k: v for k, v in exact.items() if v not in (None, "")})
        if self.who == "mine":
            qs = qs.filter(owner_id=actor.pk)
        elif self.who == "team":
            # The actor's own department and everyone who reports to them.
            team = Q(owner_id__in={actor.pk, *actor.subordinate_ids()})
            if actor.department_id:
                team |= Q(department_id=actor.department_id)
            qs = qs.filter(team)
        if self.close_month:
            start, end = month_bounds(self.close_month)
            qs = qs.filter(expected_close_date__gte=start, expected_close_date__lt=end)
        if self.q:
            qs = qs.filter(Q(name__icontains=self.q) | Q(customer__name__icontains=self.q))
        return qs

    def is_active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "") for f in fields(self) if f.name != "sort")
