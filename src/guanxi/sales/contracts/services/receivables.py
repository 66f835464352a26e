"""Writes of the instalment plan (回款计划) and of payments received (回款).

The received amounts on instalments and contracts are running totals of their payments. They
change only here, by conditional UPDATEs in the same transaction as the payment row:
`SET received = received + x WHERE id = … AND received + x <= amount`. Two payments landing at
once therefore never overpay and never lose one another's amount, on SQLite and PostgreSQL alike.
Rows are always locked contract first, then instalment, so concurrent writers cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, F, Max, Sum, Value
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.money import DECIMAL_PLACES, MAX_DIGITS, ZERO, round_money
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, validate

from .. import errors
from ..choices import ContractStatus
from ..formatting import money_text
from ..models import Contract, Instalment, Payment

INSTALMENT_FIELDS = ["sequence", "due_on", "amount", "notes"]
PAYMENT_FIELDS = ["instalment", "amount", "received_on", "method", "reference", "notes"]
# A plan is edited until the contract ends; while it waits for approval its terms are locked.
PLAN_LOCKED = {ContractStatus.PENDING_APPROVAL, ContractStatus.TERMINATED}
# Money is received on signed contracts only, also after they ran out or were ended early.
PAYABLE = {ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.TERMINATED}
MAX_INSTALMENTS = 120
MAX_SEQUENCE = 999


def _invalid(field: str, message: str, code: str = "invalid") -> DomainError:
    return DomainError(code, _("Please correct the errors below."), {field: [message]})


def _money(value: Decimal) -> Value:
    return Value(value, output_field=DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES))


def _plus(field: str, amount: Decimal):
    """`field + amount`, rounded to the cent in the database: SQLite adds decimals as binary floats."""
    return Round(F(field) + _money(amount), DECIMAL_PLACES)


def _lock_contract(contract: Contract) -> Contract:
    """The contract row, locked until the transaction ends (PostgreSQL); SQLite writers queue anyway."""
    locked = Contract.objects.select_for_update().filter(pk=contract.pk).first()
    if locked is None:
        raise NotFound(_("This record was deleted by someone else meanwhile."))
    return locked


# -- the instalment plan --


def _check_plan(contract: Contract, *, adding: Decimal, replacing: Instalment | None = None) -> None:
    """The instalments together may not exceed the contract amount."""
    others = contract.instalments.all()
    if replacing is not None:
        others = others.exclude(pk=replacing.pk)
    planned = (others.aggregate(total=Sum("amount"))["total"] or ZERO) + adding
    if planned > contract.amount:
        raise _invalid("amount", _("The instalments would add up to %(plan)s, more than the contract amount "
                                   "%(amount)s.") % {"plan": money_text(planned, contract.currency),
                                                     "amount": money_text(contract.amount, contract.currency)},
                       errors.PLAN_EXCEEDS_AMOUNT)


def _plan_editable(contract: Contract) -> None:
    if contract.status in PLAN_LOCKED:
        raise DomainError(errors.LOCKED, _("The instalment plan of a contract that is %(status)s cannot change.")
                          % {"status": contract.get_status_display()})


def _validate_instalment(instalment: Instalment, *, numbered: bool) -> None:
    """Field rules; the sequence is checked (or given) under the contract lock, not by the generic check."""
    validate(instalment, exclude=["sequence"])
    if numbered and not (isinstance(instalment.sequence, int) and 1 <= instalment.sequence <= MAX_SEQUENCE):
        raise _invalid("sequence", _("Enter a whole number from 1 to %(n)d.") % {"n": MAX_SEQUENCE})


def instalment_create(*, actor, contract: Contract, data: dict[str, Any]) -> Instalment:
    """Add an instalment to the plan; without a sequence it comes after the last one."""
    require(actor, "contracts.edit", contract, edit=True)
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items() if k != "sequence" or v is not None}
    unknown = set(data) - set(INSTALMENT_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    instalment = Instalment(contract=contract, **data)
    _validate_instalment(instalment, numbered="sequence" in data)
    with transaction.atomic():
        locked = _lock_contract(contract)
        _plan_editable(locked)
        if "sequence" not in data:
            instalment.sequence = (locked.instalments.aggregate(last=Max("sequence"))["last"] or 0) + 1
        elif locked.instalments.filter(sequence=instalment.sequence).exists():
            raise _invalid("sequence", _("Instalment %(n)d already exists.") % {"n": instalment.sequence})
        if locked.instalments.count() >= MAX_INSTALMENTS:
            raise _invalid("__all__", _("A plan has at most %(n)d instalments.") % {"n": MAX_INSTALMENTS})
        _check_plan(locked, adding=instalment.amount)
        instalment.save()
        audit.record(actor, "instalment.created", instalment,
                     audit.diff({}, audit.snapshot(instalment, INSTALMENT_FIELDS)), timeline=contract)
    events.emit("instalment.created", {"id": instalment.pk, "contract": contract.pk})
    return instalment


def instalment_update(*, actor, instalment: Instalment, data: dict[str, Any]) -> Instalment:
    """Change an instalment; its amount may not drop below what was already received on it."""
    contract = instalment.contract
    require(actor, "contracts.edit", contract, edit=True)
    before, after = changed_fields(instalment, data, INSTALMENT_FIELDS)
    _validate_instalment(instalment, numbered=True)
    if not data:
        return instalment
    with transaction.atomic():
        locked = _lock_contract(contract)
        _plan_editable(locked)
        if "sequence" in data and locked.instalments.filter(sequence=instalment.sequence).exclude(
                pk=instalment.pk).exists():
            raise _invalid("sequence", _("Instalment %(n)d already exists.") % {"n": instalment.sequence})
        if "amount" in data:
            _check_plan(locked, adding=instalment.amount, replacing=instalment)
        # Conditional on what is received now: a payment landing meanwhile keeps the amount above it.
        updated = Instalment.objects.filter(pk=instalment.pk, received_amount__lte=instalment.amount).update(
            **{f: getattr(instalment, f) for f in data})
        if not updated:
            current = Instalment.objects.filter(pk=instalment.pk).values_list("received_amount", flat=True).first()
            if current is None:
                raise NotFound(_("This record was deleted by someone else meanwhile."))
            raise _invalid("amount", _("%(received)s was already received on this instalment; its amount cannot "
                                       "be less.") % {"received": money_text(current, locked.currency)})
        audit.record(actor, "instalment.updated", instalment, audit.diff(before, after), timeline=contract)
    events.emit("instalment.updated", {"id": instalment.pk, "contract": contract.pk})
    return instalment


def instalment_delete(*, actor, instalment: Instalment) -> None:
    """Remove an instalment nothing was received on; reversed payments stay, no longer tied to it."""
    contract = instalment.contract
    require(actor, "contracts.edit", contract, edit=True)
    with transaction.atomic():
        locked = _lock_contract(contract)
        _plan_editable(locked)
        if Payment.objects.filter(instalment_id=instalment.pk, reversed_at__isnull=True).exists():
            raise DomainError(errors.INSTALMENT_PAID, _("Payments were received on this instalment, so it stays "
                                                        "in the plan. Reverse them first, or change its amount."))
        Payment.objects.filter(instalment_id=instalment.pk).update(instalment=None)
        deleted, _rows = Instalment.objects.filter(pk=instalment.pk).delete()
        if not deleted:
            raise NotFound(_("This record was deleted by someone else meanwhile."))
        audit.record(actor, "instalment.deleted", instalment,
                     {"sequence": [instalment.sequence, None], "amount": [str(instalment.amount), None]},
                     timeline=contract)
    events.emit("instalment.deleted", {"id": instalment.pk, "contract": contract.pk})


# -- payments (回款) --


def payment_record(*, actor, contract: Contract, data: dict[str, Any]) -> Payment:
    """Money received, against one of the contract's instalments or the contract as a whole.

    Partial payments are fine; paying an instalment (or the contract) more than is still due is refused.
    """
    require(actor, "contracts.record_payment", contract)
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    unknown = set(data) - set(PAYMENT_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    payment = Payment(contract=contract, recorded_by=actor if getattr(actor, "pk", None) else None, **data)
    validate(payment)
    payment.amount = round_money(payment.amount)
    instalment = payment.instalment
    if instalment is not None and instalment.contract_id != contract.pk:
        raise _invalid("instalment", _("This instalment belongs to another contract."))
    if payment.received_on > timezone.localdate() + dt.timedelta(days=1):
        raise _invalid("received_on", _("A payment cannot be dated in the future."))
    amount = payment.amount
    with transaction.atomic():
        status = Contract.objects.filter(pk=contract.pk).values_list("status", flat=True).first()
        if status not in PAYABLE:
            raise DomainError(errors.NOT_IN_FORCE, _("Payments are recorded once the contract is in force; this "
                                                     "one is %(status)s.") % {"status": contract.get_status_display()})
        raised = Contract.objects.filter(pk=contract.pk, amount__gte=_plus("received_amount", amount)).update(
            received_amount=_plus("received_amount", amount))
        if not raised:
            outstanding = _outstanding(Contract, contract.pk)
            raise _invalid("amount", _("This is more than the %(due)s still due on the contract.")
                           % {"due": money_text(outstanding, contract.currency)}, errors.OVERPAYMENT)
        if instalment is not None:
            raised = Instalment.objects.filter(pk=instalment.pk, contract_id=contract.pk,
                                               amount__gte=_plus("received_amount", amount)).update(
                received_amount=_plus("received_amount", amount))
            if not raised:
                outstanding = _outstanding(Instalment, instalment.pk)
                raise _invalid("amount", _("This is more than the %(due)s still due on instalment %(n)d.")
                               % {"due": money_text(outstanding, contract.currency), "n": instalment.sequence},
                               errors.OVERPAYMENT)
        payment.save()
        audit.record(actor, "payment.recorded", payment,
                     audit.diff({}, audit.snapshot(payment, PAYMENT_FIELDS)), timeline=contract,
                     object_repr=_payment_text(payment, contract), extra=_payment_facts(payment, contract))
    events.emit("payment.recorded", {"id": payment.pk, "contract": contract.pk, "amount": str(amount)})
    return payment


def _payment_text(payment: Payment, contract: Contract) -> str:
    return _("%(amount)s received on %(day)s") % {"amount": money_text(payment.amount, contract.currency),
                                                   "day": payment.received_on.isoformat()}


def _payment_facts(payment: Payment, contract: Contract) -> dict:
    """Kept with the audit event so the contract's history names the payment in the reader's language."""
    return {"amount": str(payment.amount), "currency": contract.currency, "received_on": payment.received_on}


def _outstanding(model, pk: int) -> Decimal:
    row = model.objects.filter(pk=pk).values("amount", "received_amount").first()
    if row is None:
        raise NotFound(_("This record was deleted by someone else meanwhile."))
    return max(ZERO, row["amount"] - row["received_amount"])


def payment_reverse(*, actor, payment: Payment, reason: str) -> Payment:
    """Undo a wrongly recorded payment: it stays listed as reversed and no longer counts."""
    contract = payment.contract
    require(actor, "contracts.record_payment", contract)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Say why this payment is reversed."))
    if len(reason) > 500:
        raise _invalid("reason", _("At most %(n)d characters.") % {"n": 500})
    now = timezone.now()
    amount = payment.amount
    with transaction.atomic():
        _lock_contract(contract)
        marked = Payment.objects.filter(pk=payment.pk, reversed_at__isnull=True).update(
            reversed_at=now, reversed_by=actor if getattr(actor, "pk", None) else None, reversal_reason=reason)
        if not marked:
            raise Conflict(errors.ALREADY_REVERSED, _("This payment was already reversed."))
        lowered = Contract.objects.filter(pk=contract.pk, received_amount__gte=amount).update(
            received_amount=_plus("received_amount", -amount))
        if payment.instalment_id is not None:
            lowered += Instalment.objects.filter(pk=payment.instalment_id, received_amount__gte=amount).update(
                received_amount=_plus("received_amount", -amount))
        if lowered != (2 if payment.instalment_id is not None else 1):
            # The totals no longer hold this payment: never leave them inconsistent, refuse instead.
            raise Conflict("conflict", _("The received amounts changed meanwhile. Reload and try again."))
        payment.reversed_at, payment.reversal_reason = now, reason
        payment.reversed_by = actor if getattr(actor, "pk", None) else None
        audit.record(actor, "payment.reversed", payment, {"reversal_reason": [None, reason]}, timeline=contract,
                     object_repr=_payment_text(payment, contract), extra=_payment_facts(payment, contract))
    events.emit("payment.reversed", {"id": payment.pk, "contract": contract.pk, "amount": str(amount)})
    return payment
