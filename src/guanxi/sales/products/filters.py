"""One definition of the product list filters, shared by the catalogue page, the pickers and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError

STATUSES = ("active", "inactive", "all")
ORDERING = ["name", "id"]


@dataclass
class ProductFilters:
    q: str = ""
    category: int | None = None
    status: str = "active"

    @classmethod
    def from_query(cls, params) -> ProductFilters:
        errors: dict[str, list[str]] = {}
        values: dict = {}
        q = str(params.get("q") or "").strip()[:100]
        if q:
            values["q"] = q
        raw_category = str(params.get("category") or "").strip()
        if raw_category:
            if raw_category.isdigit() and 0 < int(raw_category) < 2**63:
                values["category"] = int(raw_category)
            else:
                errors["category"] = [_("This value is not valid.")]
        status = str(params.get("status") or "").strip()
        if status:
            if status in STATUSES:
                values["status"] = status
            else:
                errors["status"] = [_("This value is not valid.")]
        if errors:
            raise DomainError("invalid_filter", _("Some filters are not valid."), errors)
        return cls(**values)

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.status == "active":
            qs = qs.filter(is_active=True)
        elif self.status == "inactive":
            qs = qs.filter(is_active=False)
        if self.category:
            qs = qs.filter(category_id=self.category)
        if self.q:
            qs = qs.filter(Q(name__icontains=self.q) | Q(code__icontains=self.q))
        return qs

    @property
    def ordering(self) -> list[str]:
        return ORDERING
