"""Target periods (考核周期): a month, a quarter or a year, as a kind, a year and an index.

The index is the month (1–12) or the quarter (1–4); a year's index is always 1. Periods are
calendar dates with no time of day, so which period "today" falls in is decided by the date in
the reader's time zone (Asia/Shanghai unless the user chose another).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanxi.core.errors import DomainError

from .choices import PeriodKind

FIRST_YEAR = 2000
LAST_YEAR = 2100
MAX_INDEX = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}


@dataclass(frozen=True, order=True)
class Period:
    """One calendar period; `start` and `end` are both inside it."""

    year: int
    kind: str
    index: int

    @classmethod
    def of(cls, kind: str, year: int, index: int | None = None) -> Period:
        """The period named by its parts, or a DomainError naming the wrong part."""
        errors: dict[str, list[str]] = {}
        if kind not in MAX_INDEX:
            errors["period_kind"] = [_("Choose a month, a quarter or a year.")]
        if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
            errors["year"] = [_("Choose a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR,
                                                                               "last": LAST_YEAR}]
        if index is None and kind == PeriodKind.YEAR:
            index = 1
        if kind == PeriodKind.MONTH and not (isinstance(index, int) and 1 <= index <= 12):
            errors["period_index"] = [_("Choose a month from 1 to 12.")]
        elif kind == PeriodKind.QUARTER and not (isinstance(index, int) and 1 <= index <= 4):
            errors["period_index"] = [_("Choose a quarter from 1 to 4.")]
        elif kind == PeriodKind.YEAR and index != 1:
            errors["period_index"] = [_("A year has no month or quarter; leave the index at 1.")]
        if errors:
            raise DomainError("invalid", _("Please correct the errors below."), errors)
        assert index is not None
        return cls(year=year, kind=str(kind), index=index)

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        if kind == PeriodKind.MONTH:
            return cls(day.year, PeriodKind.MONTH, day.month)
        if kind == PeriodKind.QUARTER:
            return cls(day.year, PeriodKind.QUARTER, (day.month - 1) // 3 + 1)
        return cls(day.year, PeriodKind.YEAR, 1)

    @property
    def start(self) -> dt.date:
        if self.kind == PeriodKind.MONTH:
            return dt.date(self.year, self.index, 1)
        if self.kind == PeriodKind.QUARTER:
            return dt.date(self.year, (self.index - 1) * 3 + 1, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        if self.kind == PeriodKind.MONTH:
            last_month = self.index
        elif self.kind == PeriodKind.QUARTER:
            last_month = self.index * 3
        else:
            last_month = 12
        return dt.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def key(self) -> str:
        """Stable text form for element ids: 2026-m3, 2026-q1, 2026-y1."""
        return f"{self.year}-{self.kind[0]}{self.index}"

    @property
    def label(self) -> str:
        """"March 2026", "2026 Q1", "2026" in the reader's language."""
        if self.kind == PeriodKind.MONTH:
            return formats.date_format(self.start, "YEAR_MONTH_FORMAT")
        if self.kind == PeriodKind.QUARTER:
            return _("%(year)d Q%(quarter)d") % {"year": self.year, "quarter": self.index}
        return pgettext("period label", "%(year)d") % {"year": self.year}

    @property
    def short_label(self) -> str:
        """A grid column heading: "Mar", "Q1", "Year"."""
        if self.kind == PeriodKind.MONTH:
            return formats.date_format(self.start, "M")
        if self.kind == PeriodKind.QUARTER:
            return _("Q%(quarter)d") % {"quarter": self.index}
        return _("Full year")


def current_periods(now: dt.datetime | None = None) -> list[Period]:
    """This month, this quarter and this year at `now` (default: this moment), by the date in the
    active time zone: at 2026-03-31 17:00 UTC it is already April in Shanghai."""
    today = timezone.localdate(now)
    return [Period.containing(kind, today) for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)]


def periods_of_year(kind: str, year: int) -> list[Period]:
    """Every month or quarter of a year, in order (a year has one period)."""
    return [Period(year, str(kind), index) for index in range(1, MAX_INDEX[PeriodKind(kind)] + 1)]
