"""Every write to targets: set one, change its amount, delete it, or set many at once."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import audit, events
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.money import MAX_DIGITS, Currency
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, still_visible, validate, versioned_update
from guanxi.org.models import Department

from . import selectors
from .choices import Metric
from .models import Target
from .periods import Period

AUDITED_FIELDS = ["user", "department", "period_kind", "year", "period_index", "metric", "amount", "currency"]
EDITABLE_FIELDS = ["amount", "currency"]
# Subjects × periods one bulk set may touch: a department of 80 people over 13 columns fits.
BULK_LIMIT = 2000
LARGEST_AMOUNT = Decimal(10) ** (MAX_DIGITS - 2)
DUPLICATE = gettext_lazy("A target for this person or department, period and measure already exists. Reload to "
                         "see it, then change its amount.")
DELETED = gettext_lazy("Someone else removed this target meanwhile. Reload to see the current targets.")


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("invalid", _("Please correct the errors below."), {field: [message]})


def _clean_amount(value: Any) -> Decimal:
    """A positive amount of money with at most two decimals, or a field error on `amount`."""
    if isinstance(value, bool) or value is None or value == "":
        raise _invalid("amount", _("Enter the target amount."))
    text = str(value).strip().replace(",", "").replace("，", "")
    if len(text) > 40:
        raise _invalid("amount", _("Enter an amount such as 50000 or 12500.50."))
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise _invalid("amount", _("Enter an amount such as 50000 or 12500.50.")) from None
    if not amount.is_finite():
        raise _invalid("amount", _("Enter an amount such as 50000 or 12500.50."))
    if amount <= 0:
        raise _invalid("amount", _("Enter an amount greater than zero."))
    if amount >= LARGEST_AMOUNT:
        raise _invalid("amount", _("This amount is too large."))
    if amount != amount.quantize(Decimal("0.01")):
        raise _invalid("amount", _("Use at most two decimal places."))
    return amount.quantize(Decimal("0.01"))


def _clean_currency(value: Any) -> str:
    if value not in Currency.values:
        raise _invalid("currency", _("Choose one of the available currencies."))
    return str(value)


def _clean_metric(value: Any) -> str:
    if value not in Metric.values:
        raise _invalid("metric", _("Choose what the target measures: signed contracts or payments received."))
    return str(value)


def _reach_subject(actor, *, user=None, department=None) -> None:
    """Exactly one subject, and one the actor may set targets for; others answer 404 like missing ones."""
    if (user is None) == (department is None):
        raise DomainError("invalid", _("A target is for one person or for one department, not both or neither."),
                          {"__all__": [_("Choose either a person or a department.")]})
    if user is not None:
        if not selectors.target_user_choices(actor=actor).filter(pk=user.pk).exists():
            raise NotFound()
    elif not selectors.target_department_choices(actor=actor).filter(pk=department.pk).exists():
        raise NotFound()


def _saved(target: Target) -> None:
    """Insert, turning a lost race for the same subject, period and measure into a clear conflict."""
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise Conflict("duplicate", DUPLICATE) from None


def target_create(*, actor, user=None, department: Department | None = None, period: Period, metric: str,
                  amount: Any, currency: str = Currency.CNY) -> Target:
    require(actor, "targets.manage")
    period = Period.of(period.kind, period.year, period.index)
    _reach_subject(actor, user=user, department=department)
    target = Target(user=user, department=department, period_kind=period.kind, year=period.year,
                    period_index=period.index, metric=_clean_metric(metric), amount=_clean_amount(amount),
                    currency=_clean_currency(currency), created_by=actor if getattr(actor, "pk", None) else None)
    if Target.objects.filter(user=user, department=department, metric=target.metric, year=period.year,
                             period_kind=period.kind, period_index=period.index).exists():
        raise Conflict("duplicate", DUPLICATE)
    validate(target)
    with transaction.atomic():
        _saved(target)
        audit.record(actor, "target.created", target, audit.diff({}, audit.snapshot(target, AUDITED_FIELDS)))
        still_visible(actor, target)
    events.emit("target.created", {"id": target.pk})
    return target


def target_update(*, actor, target: Target, data: dict[str, Any], expected_version: int | None = None) -> Target:
    """Change a target's amount or currency; who and when it is for never change (set another one)."""
    require(actor, "targets.manage", target, edit=True)
    data = dict(data)
    if "amount" in data:
        data["amount"] = _clean_amount(data["amount"])
    if "currency" in data:
        data["currency"] = _clean_currency(data["currency"])
    before, after = changed_fields(target, data, EDITABLE_FIELDS)
    validate(target)
    changes = audit.diff(before, after)
    if not changes:
        # Leaving a grid cell without changing it saves nothing and bumps no version.
        return target
    with transaction.atomic():
        versioned_update(target, list(data), expected_version)
        audit.record(actor, "target.updated", target, changes)
        still_visible(actor, target)
    events.emit("target.updated", {"id": target.pk, "changed": sorted(changes)})
    return target


def target_delete(*, actor, target: Target, expected_version: int | None = None) -> None:
    """Remove a target for good; the audit trail keeps what it was."""
    require(actor, "targets.manage", target, edit=True)
    with transaction.atomic():
        rows = Target.objects.filter(pk=target.pk)
        if expected_version is not None:
            rows = rows.filter(version=expected_version)
        pk = target.pk
        before = audit.snapshot(target, AUDITED_FIELDS)
        audit.record(actor, "target.deleted", target, audit.diff(before, dict.fromkeys(before)))
        if not rows.delete()[0]:
            if Target.objects.filter(pk=pk).exists():
                raise Conflict("conflict", _("Someone else changed this target meanwhile. Reload it to see their "
                                             "change, then try again."))
            raise Conflict("deleted", DELETED)
    events.emit("target.deleted", {"id": pk})


def target_set(*, actor, user=None, department: Department | None = None, period: Period, metric: str,
               amount: Any, currency: str = Currency.CNY, expected_version: int | None = None) -> Target | None:
    """One cell of the target grid: create, change or (with a blank amount) remove the target of a
    subject for a period and measure. Returns the target, or None when it was removed."""
    require(actor, "targets.manage")
    period = Period.of(period.kind, period.year, period.index)
    _reach_subject(actor, user=user, department=department)
    metric = _clean_metric(metric)
    existing = (selectors.target_list(actor=actor)
                .filter(user=user, department=department, metric=metric, year=period.year,
                        period_kind=period.kind, period_index=period.index).first())
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        if existing is not None:
            target_delete(actor=actor, target=existing, expected_version=expected_version)
        return None
    if existing is None:
        if expected_version is not None:
            raise Conflict("deleted", DELETED)
        return target_create(actor=actor, user=user, department=department, period=period, metric=metric,
                             amount=amount, currency=currency)
    return target_update(actor=actor, target=existing, data={"amount": amount, "currency": currency},
                         expected_version=expected_version)


def target_bulk_set(*, actor, users: list | None = None, departments: list[Department] | None = None,
                    periods: list[Period], metric: str, amount: Any, currency: str = Currency.CNY) -> int:
    """Give every chosen person or department the same target in every chosen period, replacing what
    was there. All or nothing; one audit event per target created or changed. Returns how many."""
    require(actor, "targets.manage")
    users = list(dict.fromkeys(users or []))
    departments = list(dict.fromkeys(departments or []))
    periods = [Period.of(p.kind, p.year, p.index) for p in dict.fromkeys(periods)]
    if not (users or departments):
        raise _invalid("subjects", _("Tick at least one person or department."))
    if not periods:
        raise _invalid("periods", _("Choose at least one period."))
    if (len(users) + len(departments)) * len(periods) > BULK_LIMIT:
        raise DomainError("too_many", _("Set at most %(n)d targets at a time.") % {"n": BULK_LIMIT})
    metric = _clean_metric(metric)
    amount = _clean_amount(amount)
    currency = _clean_currency(currency)
    reachable_users = set(selectors.target_user_choices(actor=actor).filter(pk__in=[u.pk for u in users])
                          .values_list("pk", flat=True))
    reachable_departments = set(selectors.target_department_choices(actor=actor)
                                .filter(pk__in=[d.pk for d in departments]).values_list("pk", flat=True))
    if len(reachable_users) != len(users) or len(reachable_departments) != len(departments):
        raise NotFound()
    existing = {(t.user_id, t.department_id, t.period): t for t in selectors.targets_in_periods(
        actor=actor, periods=periods, metric=metric, user_ids=[u.pk for u in users],
        department_ids=[d.pk for d in departments],
        subject="user" if not departments else "department" if not users else None)}
    creator = actor if getattr(actor, "pk", None) else None
    new: list[Target] = []
    changed: list[Target] = []
    for subject_user, subject_department in [(u, None) for u in users] + [(None, d) for d in departments]:
        for period in periods:
            key = (getattr(subject_user, "pk", None), getattr(subject_department, "pk", None), period)
            current = existing.get(key)
            if current is None:
                new.append(Target(user=subject_user, department=subject_department, period_kind=period.kind,
                                  year=period.year, period_index=period.index, metric=metric, amount=amount,
                                  currency=currency, created_by=creator))
            elif (current.amount, current.currency) != (amount, currency):
                changed.append(current)
    now = timezone.now()
    events_out = []
    with transaction.atomic():
        if changed:
            Target.objects.filter(pk__in=[t.pk for t in changed]).update(
                amount=amount, currency=currency, version=F("version") + 1, updated_at=now)
            for t in changed:
                before = audit.snapshot(t, EDITABLE_FIELDS)
                t.amount, t.currency = amount, currency
                t.version += 1
                events_out.append(audit.build(actor, "target.updated", t,
                                              audit.diff(before, audit.snapshot(t, EDITABLE_FIELDS)),
                                              extra={"bulk": True}))
        if new:
            try:
                with transaction.atomic():
                    Target.objects.bulk_create(new)
            except IntegrityError:
                raise Conflict("duplicate", _("Someone else set some of these targets meanwhile. Reload the "
                                              "page and try again.")) from None
            for t in new:
                events_out.append(audit.build(actor, "target.created", t, audit.diff(
                    {}, audit.snapshot(t, AUDITED_FIELDS)), extra={"bulk": True}))
        audit.record_many(events_out)
    for t in changed:
        events.emit("target.updated", {"id": t.pk, "changed": ["amount", "currency"]})
    for t in new:
        events.emit("target.created", {"id": t.pk})
    return len(changed) + len(new)
