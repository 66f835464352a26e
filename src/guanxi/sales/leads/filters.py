"""One definition of the lead list filters, shared by the HTML list and the API."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError
from guanxi.core.text import normalise_phone
from guanxi.customers.choices import CustomerSource

from .choices import OPEN_STATUSES, LeadStatus

# Sort keys a user may choose, each ending in the primary key so keyset paging is exact.
ORDERINGS: dict[str, list[str]] = {
    "-created": ["-id"],
    "created": ["id"],
    "-updated": ["-updated_at", "-id"],
    "name": ["name", "id"],
}
# Whose leads: everyone's in reach, the actor's own, or the unowned ones waiting in the pool.
SCOPES = ["", "mine", "pool"]
MAX_QUERY = 100


@dataclass
class LeadFilters:
    q: str = ""
    status: str = ""
    source: str = ""
    owner: int | None = None
    region: str = ""
    scope: str = ""
    sort: str = "-created"

    @classmethod
    def from_query(cls, params, **overrides) -> LeadFilters:
        """Read filters from a query dict; a malformed value is refused with a field error."""
        errors: dict[str, list[str]] = {}
        values: dict = {}
        for f in fields(cls):
            raw = params.get(f.name)
            if raw in (None, ""):
                continue
            raw = str(raw).strip()[:200]
            if f.name == "owner":
                if not raw.isdigit() or int(raw) > 2**63 - 1:
                    errors[f.name] = [_("This value is not valid.")]
                    continue
                values[f.name] = int(raw)
            else:
                values[f.name] = raw
        choice_sets = {"status": LeadStatus.values, "source": CustomerSource.values, "sort": list(ORDERINGS),
                       "scope": SCOPES}
        for name, allowed in choice_sets.items():
            if name in values and values[name] not in allowed:
                errors[name] = [_("This value is not valid.")]
        if errors:
            raise DomainError("invalid_filter", _("Some filters are not valid."), errors)
        values.update(overrides)
        return cls(**values)

    @property
    def ordering(self) -> list[str]:
        return ORDERINGS[self.sort]

    def apply(self, qs: QuerySet, *, actor=None) -> QuerySet:
        exact = {"status": self.status, "source": self.source, "owner_id": self.owner}
        qs = qs.filter(**{k: v for k, v in exact.items() if v not in (None, "")})
        if self.region:
            qs = qs.filter(region__startswith=self.region)
        if self.scope == "mine" and actor is not None:
            qs = qs.filter(owner_id=actor.pk)
        elif self.scope == "pool":
            qs = qs.filter(owner__isnull=True, status__in=OPEN_STATUSES)
        return _search(qs, self.q)

    def is_active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "") for f in fields(self) if f.name not in ("sort", "scope"))


def _search(qs: QuerySet, text: str) -> QuerySet:
    """A phone number matches exactly, an email too; other text matches part of the name or company."""
    text = text.strip()[:MAX_QUERY]
    if not text:
        return qs
    phone = normalise_phone(text)
    if phone:
        return qs.filter(phone_e164=phone)
    if "@" in text:
        return qs.filter(email__iexact=text)
    return qs.filter(Q(name__icontains=text) | Q(company__icontains=text))
