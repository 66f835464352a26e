"""Reading one cell as the value its field wants: text, a choice given by its value or its label in any
language (意向, Intent, intent), a date written in the usual ways or stored by Excel as a serial number,
a yes/no, a number. A cell that cannot be read raises ValueError with a message for the user."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core.customfields import clean_value
from guanxi.core.models import CustomFieldDefinition, CustomFieldKind

from .reading import normalise_header
from .registry import BOOLEAN, CHOICE, DATE, DATETIME, NUMBER, ImportField

# Excel's day 0 (its 1900 date system, counting the 1900-02-29 that never was).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# Serials from 1900-01-01 to 2200-12-31: larger numbers are not dates.
SERIAL_RANGE = (1, 110_575)
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2200, 12, 31)

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%d/%m/%Y", "%m/%d/%Y")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H时%M分", "%H点%M分", "%H点")
_SERIAL = re.compile(r"^\d{1,6}(\.\d+)?$")
_TRUE = {"1", "true", "yes", "y", "on", "是", "对", "有", "√", "✓", "✔"}
_FALSE = {"0", "false", "no", "n", "off", "否", "不是", "无", "×", "✗"}
# A spreadsheet cell written as '=text keeps the apostrophe that stopped it being a formula.
_QUOTED_FORMULA = re.compile(r"^'[=+\-@]")


def text(value: Any) -> str:
    """The text of a cell: whole numbers without ".0" (a phone read as 13812345678.0), dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    result = str(value).replace("\x00", "").strip()
    if _QUOTED_FORMULA.match(result):
        result = result[1:]
    return result


def _bounded(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(_("Enter a date between 1900 and 2200."))
    return day


def _from_serial(serial: float) -> dt.datetime:
    if not SERIAL_RANGE[0] <= serial < SERIAL_RANGE[1]:
        raise ValueError(_("Enter a date, e.g. 2026-03-15."))
    moment = EXCEL_EPOCH + dt.timedelta(days=serial)
    # Excel stores times as fractions of a day; round away float noise to the second.
    return moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))


def moment(value: Any) -> dt.datetime:
    """A date and time, naive, from a date cell, an Excel serial or text."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    raw = text(value)
    if _SERIAL.match(raw):
        return _from_serial(float(raw))
    raw = raw.replace("T", " ")
    day_part, _sep, time_part = raw.partition(" ")
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(day_part, fmt)
        except ValueError:
            continue
        if not time_part.strip():
            return day
        for time_fmt in _TIME_FORMATS:
            try:
                clock = dt.datetime.strptime(time_part.strip(), time_fmt).time()
            except ValueError:
                continue
            return dt.datetime.combine(day.date(), clock)
        break
    raise ValueError(_("Enter a date, e.g. 2026-03-15."))


def day(value: Any) -> dt.date:
    return _bounded(moment(value).date())


def aware(value: Any) -> dt.datetime:
    at = moment(value)
    _bounded(at.date())
    return timezone.make_aware(at, timezone.get_current_timezone()) if timezone.is_naive(at) else at


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).casefold()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(_("Enter yes or no (是 / 否)."))


def number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("Enter a number."))
    raw = text(value).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    try:
        result = Decimal(raw)
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not result.is_finite() or abs(result) >= Decimal("1e15"):
        raise ValueError(_("Enter a number."))
    return result


def _pairs(choices: Any) -> list[tuple[str, Any]]:
    return list(choices.choices) if hasattr(choices, "choices") else list(choices)


def choice_lookup(choices: Any) -> dict[str, str]:
    """Every way of writing each choice (its value, its label in every language) → its value."""
    pairs = _pairs(choices)
    lookup = {normalise_header(str(value)): str(value) for value, _label in pairs}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in pairs:
                label_text = str(label)
                lookup.setdefault(normalise_header(label_text), str(value))
                # "B (important)" is also written "important"; "A（重点）" as "重点".
                opening = "(" if "(" in label_text else "（"
                head, _sep, rest = label_text.partition(opening)
                for part in (head, rest.rstrip(")）")):
                    if normalise_header(part):
                        lookup.setdefault(normalise_header(part), str(value))
    return lookup


def choice(value: Any, choices: Any, lookup: dict[str, str] | None = None) -> str:
    lookup = lookup if lookup is not None else choice_lookup(choices)
    found = lookup.get(normalise_header(text(value)))
    if found is None:
        offered = "、".join(str(label) for _v, label in _pairs(choices))
        raise ValueError(_("“%(value)s” is not one of the choices: %(choices)s")
                         % {"value": text(value)[:50], "choices": offered})
    return found


class CellReader:
    """Reads the cells of one import's fields; choice lookups are built once per run, not per cell."""

    # A column of choices holds a handful of distinct texts: each is looked up once.
    MAX_REMEMBERED = 10_000

    def __init__(self) -> None:
        self._lookups: dict[str, dict[str, str]] = {}
        self._chosen: dict[tuple[str, Any], str] = {}

    def field(self, definition: ImportField, value: Any) -> Any:
        kind = definition.kind
        if kind == CHOICE:
            remembered = self._chosen.get((definition.key, value))
            if remembered is not None:
                return remembered
            lookup = self._lookups.get(definition.key)
            if lookup is None:
                lookup = self._lookups[definition.key] = choice_lookup(definition.choices)
            found = choice(value, definition.choices, lookup)
            if len(self._chosen) < self.MAX_REMEMBERED:
                self._chosen[(definition.key, value)] = found
            return found
        if kind == DATE:
            return day(value)
        if kind == DATETIME:
            return aware(value)
        if kind == BOOLEAN:
            return boolean(value)
        if kind == NUMBER:
            return number(value)
        return text(value)

    def custom(self, definition: CustomFieldDefinition, value: Any) -> Any:
        """The stored form of a custom field value, as core.customfields keeps it."""
        kind = definition.kind
        if kind == CustomFieldKind.DATE:
            value = day(value)
        elif kind == CustomFieldKind.BOOLEAN:
            value = boolean(value)
        elif kind == CustomFieldKind.NUMBER:
            value = str(number(value))
        elif kind == CustomFieldKind.MULTI_CHOICE:
            value = [part.strip() for part in re.split(r"[,，、;；]", text(value)) if part.strip()]
        else:
            value = text(value)
        return clean_value(definition, value)
