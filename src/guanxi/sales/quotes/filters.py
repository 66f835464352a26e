"""One definition of the quote list filters, shared by the HTML list and the API."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanxi.core.api_schemas import MAX_ID
from guanxi.core.errors import DomainError

from .choices import QuoteStatus

# Newest first; keyset paging needs the ordering to end in the primary key.
ORDERING = ["-id"]
TRUE = {"1", "true", "yes", "on"}


@dataclass
class QuoteFilters:
    status: str = ""
    customer: int | None = None
    owner: int | None = None
    opportunity: int | None = None
    mine: bool = False
    # Superseded versions are history; lists show the latest version of each number unless asked.
    all_versions: bool = False

    @classmethod
    def from_query(cls, params) -> QuoteFilters:
        """Read filters from a query dict; a malformed value is refused with a field error."""
        errors: dict[str, list[str]] = {}
        values: dict = {}
        for f in fields(cls):
            raw = params.get(f.name)
            if raw in (None, ""):
                continue
            raw = str(raw).strip()[:40]
            if f.name in {"customer", "owner", "opportunity"}:
                if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
                    errors[f.name] = [_("This value is not valid.")]
                else:
                    values[f.name] = int(raw)
            elif f.name in {"mine", "all_versions"}:
                values[f.name] = raw.lower() in TRUE
            elif f.name == "status":
                if raw not in QuoteStatus.values:
                    errors[f.name] = [_("This value is not valid.")]
                else:
                    values[f.name] = raw
        if errors:
            raise DomainError("invalid_filter", _("Some filters are not valid."), errors)
        return cls(**values)

    def apply(self, qs: QuerySet, *, actor) -> QuerySet:
        if not self.all_versions:
            qs = qs.filter(is_latest=True)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.customer is not None:
            qs = qs.filter(customer_id=self.customer)
        if self.owner is not None:
            qs = qs.filter(owner_id=self.owner)
        if self.opportunity is not None:
            qs = qs.filter(opportunity_id=self.opportunity)
        if self.mine:
            qs = qs.filter(owner_id=actor.pk)
        return qs

    def is_active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "", False) for f in fields(self))
