"""Flow conditions on a record's facts ("amount ≥ 100000"): checking what an admin typed, and
deciding whether a submitted record meets them all."""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .choices import Operator
from .registry import FACT_LIMIT, Approvable

MAX_CONDITIONS = 20

_COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    Operator.GT: operator.gt,
    Operator.GTE: operator.ge,
    Operator.LT: operator.lt,
    Operator.LTE: operator.le,
    Operator.EQ: operator.eq,
    Operator.NE: operator.ne,
}


def _number(raw: Any) -> Decimal | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) >= FACT_LIMIT:
        return None
    return number


def clean_conditions(approvable: Approvable | None, raw: list[dict[str, Any]],
                     errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """The stored form of the conditions; problems go into `errors` under `conditions.<n>.<field>`."""
    if len(raw) > MAX_CONDITIONS:
        errors.setdefault("conditions", []).append(
            _("A flow has at most %(n)d conditions.") % {"n": MAX_CONDITIONS})
        return []
    cleaned = []
    for i, item in enumerate(raw):
        prefix = f"conditions.{i}"
        fact = str(item.get("fact") or "").strip()
        op = str(item.get("operator") or "").strip()
        value = _number(item.get("value"))
        if approvable is not None and fact not in approvable.facts:
            errors.setdefault(f"{prefix}.fact", []).append(
                _("Choose one of the facts this record type offers."))
        if op not in _COMPARE:
            errors.setdefault(f"{prefix}.operator", []).append(_("Choose a comparison."))
        if value is None:
            errors.setdefault(f"{prefix}.value", []).append(
                _("Enter a number, such as 100000 or 15.5."))
        if value is not None:
            cleaned.append({"fact": fact, "operator": op, "value": str(value)})
    return cleaned


def holds(condition: dict[str, str], facts: dict[str, str | None]) -> bool:
    """A fact the record has no number for never meets a condition."""
    actual = _number(facts.get(condition.get("fact", "")))
    wanted = _number(condition.get("value"))
    compare = _COMPARE.get(condition.get("operator", ""))
    if actual is None or wanted is None or compare is None:
        return False
    return compare(actual, wanted)


def all_hold(conditions: list[dict[str, str]], facts: dict[str, str | None]) -> bool:
    return all(holds(c, facts) for c in conditions)


def describe(condition: dict[str, str], approvable: Approvable | None) -> str:
    """"Amount ≥ 100000" in the reader's language."""
    fact = condition.get("fact", "")
    label = approvable.fact_label(fact) if approvable is not None else fact
    sign = dict(Operator.choices).get(condition.get("operator", ""), "?")
    return f"{label} {sign} {condition.get('value', '')}"
