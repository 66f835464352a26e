"""Document numbers (QT-2026-000123, HT-2026-000045): gap-free per series and year.

A number is taken with a conditional UPDATE inside the caller's transaction, so two users saving
at once get different numbers on SQLite and PostgreSQL alike, and a rolled-back save gives its
number back.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import NumberSequence


def next_number(series: str, prefix: str, *, year: int | None = None, width: int = 6) -> str:
    """The next number of `series` for `year`, e.g. next_number("quotes", "QT") → "QT-2026-000001"."""
    year = year or timezone.localdate().year
    key = f"{series}:{year}"
    with transaction.atomic():
        if not NumberSequence.objects.filter(key=key).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(key=key, last=1)
            except IntegrityError:  # another transaction created the series first
                NumberSequence.objects.filter(key=key).update(last=F("last") + 1)
        last = NumberSequence.objects.values_list("last", flat=True).get(key=key)
    return f"{prefix}-{year}-{last:0{width}d}"
