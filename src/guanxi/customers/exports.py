"""Exporting the customer list as the user filtered it: only records in their scope, phones
and emails masked as on screen, and every export audited (who, when, which filters)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, customfields
from guanxi.core.paging import keyset_page
from guanxi.core.permissions import require

from . import masking, selectors
from .filters import CustomerFilters

CHUNK = 1000
_PHONE_LIKE = re.compile(r"^[+-][\d\s()-]*$")


def safe_cell(value: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ …) is kept as text; phone numbers
    such as +86 138 … stay as they are."""
    if value and value[0] in "=+-@\t\r" and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def customer_export(*, actor, filters: CustomerFilters, query: str = "") -> Iterator[list[str]]:
    """Header row, then one row per customer, read in keyset chunks so memory stays flat."""
    require(actor, "customers.export")
    audit.record(actor, "customer.exported", None, extra={"filters": query[:1000], "format": "csv"},
                 object_repr=_("Customer list"))
    definitions = customfields.definitions("customers.customer")
    sensitive = masking.can_see_sensitive(actor)
    return _rows(actor, filters, definitions, sensitive)


def _rows(actor, filters, definitions, sensitive) -> Iterator[list[str]]:
    yield [
        _("ID"), _("Name"), _("Kind"), _("Industry"), _("Grade"), _("Status"), _("Source"), _("Region"),
        _("Address"), _("Phone"), _("Email"), _("Website"), _("Owner"), _("Department"), _("Tags"),
        _("Last contacted"), _("Next follow-up"), _("Created"), *[d.label for d in definitions],
    ]
    qs = selectors.customer_list(actor=actor, filters=filters)
    cursor = None
    while True:
        page = keyset_page(qs, filters.ordering, cursor, CHUNK)
        for c in page.items:
            custom = [c.custom.get(d.key, "") for d in definitions]
            yield [safe_cell(v) for v in [
                str(c.pk), c.name, c.get_kind_display(), c.get_industry_display(), c.grade, c.get_status_display(),
                c.get_source_display(), c.region, c.address,
                masking.phone_for(actor, c.phone, sensitive=sensitive),
                masking.email_for(actor, c.email, sensitive=sensitive), c.website,
                str(c.owner or ""), str(c.department or ""), ", ".join(t.name for t in c.tags.all()),
                _when(c.last_contacted_at), _when(c.next_follow_up_at), _when(c.created_at),
                *[", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in custom],
            ]]
        if not page.next_cursor:
            return
        cursor = page.next_cursor
