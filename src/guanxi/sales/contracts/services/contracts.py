"""Writes of contracts (合同): create, edit, submit for approval, activate, send back, terminate,
expire, delete, and their teams."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.automation.services import approval_submit
from guanxi.core import audit, customfields, events
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.models import Collaborator
from guanxi.core.money import ZERO
from guanxi.core.numbering import next_number
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, still_visible, validate, versioned_update
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_note_deal
from guanxi.sales.opportunities.choices import OpportunityStatus
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.quotes.choices import QuoteStatus
from guanxi.sales.quotes.models import Quote

from .. import errors
from ..choices import ContractStatus
from ..models import Contract, ContractAttachment

ENTITY = "contracts.contract"
CONTRACT_FIELDS = ["title", "customer", "opportunity", "quote", "amount", "currency", "signed_on", "starts_on",
                   "ends_on", "notes", "owner"]
# What may still change once a contract has left the draft: its terms are then fixed.
ALWAYS_EDITABLE = {"notes"}
EXPIRE_BATCH = 1000


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("invalid", _("Please correct the errors below."), {field: [message]})


def _check_links(actor, contract: Contract) -> None:
    """The customer, opportunity and quote must be ones the actor sees, and belong together."""
    if contract.customer_id and not Customer.objects.visible_to(actor).filter(pk=contract.customer_id).exists():
        raise _invalid("customer", _("Choose one of the available options."))
    opportunity = contract.opportunity
    if opportunity is not None:
        if not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists():
            raise _invalid("opportunity", _("Choose one of the available options."))
        if opportunity.status != OpportunityStatus.WON:
            raise _invalid("opportunity", _("Only a won opportunity can lead to a contract."))
        if opportunity.customer_id != contract.customer_id:
            raise _invalid("opportunity", _("This opportunity belongs to another customer."))
    quote = contract.quote
    if quote is not None:
        if not Quote.objects.visible_to(actor).filter(pk=quote.pk).exists():
            raise _invalid("quote", _("Choose one of the available options."))
        if quote.status != QuoteStatus.ACCEPTED:
            raise _invalid("quote", _("Only an accepted quote can lead to a contract."))
        if quote.customer_id != contract.customer_id:
            raise _invalid("quote", _("This quote belongs to another customer."))
        if quote.opportunity_id and opportunity is not None and quote.opportunity_id != opportunity.pk:
            raise _invalid("quote", _("This quote belongs to another opportunity."))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


def contract_create(*, actor, data: dict[str, Any], custom: dict[str, Any] | None = None) -> Contract:
    """A new draft contract, numbered HT-<year>-<n>; from a won opportunity or an accepted quote if given."""
    require(actor, "contracts.create")
    data = _clean(dict(data))
    unknown = set(data) - set(CONTRACT_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    owner = data.pop("owner", None) or (actor if getattr(actor, "pk", None) else None)
    contract = Contract(**data)
    if contract.quote is not None and contract.opportunity is None and contract.quote.opportunity_id:
        contract.opportunity_id = contract.quote.opportunity_id
    contract.owner = owner
    contract.department_id = owner.department_id if owner else None
    contract.created_by = actor if getattr(actor, "pk", None) else None
    # The number is taken inside the transaction below, so a refused save uses none.
    validate(contract, exclude=["number"])
    _check_links(actor, contract)
    contract.custom = customfields.validate(ENTITY, custom or {})
    with transaction.atomic():
        contract.number = next_number("contracts", "HT")
        contract.save()
        after = audit.snapshot(contract, CONTRACT_FIELDS)
        if contract.custom:
            after["custom"] = contract.custom
        audit.record(actor, "contract.created", contract, audit.diff({}, after))
        still_visible(actor, contract)
    events.emit("contract.created", {"id": contract.pk, "customer": contract.customer_id})
    return contract


def _refuse_when_locked(contract: Contract) -> None:
    if contract.status == ContractStatus.PENDING_APPROVAL:
        raise DomainError(errors.LOCKED, _("This contract is waiting for approval and cannot be changed now. "
                                           "Withdraw the request first, or wait for the decision."))


def contract_update(*, actor, contract: Contract, data: dict[str, Any], custom: dict[str, Any] | None = None,
                    expected_version: int | None = None) -> Contract:
    """Change a contract. Drafts change freely; once submitted, only notes and custom fields."""
    require(actor, "contracts.edit", contract, edit=True)
    _refuse_when_locked(contract)
    data = _clean(dict(data))
    unknown = set(data) - set(CONTRACT_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    # Unchanged values are dropped, so a form that posts every field edits a signed contract's notes.
    data = {k: v for k, v in data.items() if getattr(contract, k) != v}
    if contract.status != ContractStatus.DRAFT:
        fixed = sorted(set(data) - ALWAYS_EDITABLE)
        if fixed:
            labels = ", ".join(str(getattr(Contract._meta.get_field(f), "verbose_name", f)) for f in fixed)
            raise DomainError(errors.NOT_DRAFT,
                              _("Only a draft contract can be changed freely; this one is %(status)s. "
                                "Its notes and custom fields can still change (not: %(fields)s).")
                              % {"status": contract.get_status_display(), "fields": labels},
                              {f: [_("Only a draft contract can change this.")] for f in fixed})
    before, after = changed_fields(contract, data, CONTRACT_FIELDS)
    validate(contract)
    if {"customer", "opportunity", "quote"} & set(data):
        _check_links(actor, contract)
    fields = list(data)
    if "owner" in data:
        contract.department_id = contract.owner.department_id if contract.owner else None
        fields.append("department")
    if custom is not None:
        old_custom = dict(contract.custom)
        contract.custom = customfields.validate(ENTITY, custom, current=contract.custom)
        if contract.custom != old_custom:
            before["custom"], after["custom"] = old_custom, contract.custom
        fields.append("custom")
    changes = audit.diff(before, after)
    with transaction.atomic():
        # The row lock serialises this edit with a submission and with instalments being added, so a
        # contract sent for approval meanwhile keeps its terms and the plan cannot outgrow the amount.
        status = Contract.objects.select_for_update().filter(pk=contract.pk).values_list("status", flat=True).first()
        if status is None:
            raise NotFound(_("This record was deleted by someone else meanwhile."))
        if status != contract.status:
            raise Conflict("conflict", _("Someone else changed this record meanwhile. Reload it to see their "
                                         "changes, then edit again."))
        if "amount" in data:
            planned = contract.instalments.aggregate(total=Sum("amount"))["total"] or ZERO
            if contract.amount < planned:
                raise DomainError(errors.PLAN_EXCEEDS_AMOUNT, _("Please correct the errors below."), {"amount": [
                    _("The instalment plan adds up to %(plan)s; the amount cannot be less.") % {"plan": planned}]})
        versioned_update(contract, fields, expected_version)
        if changes:
            audit.record(actor, "contract.updated", contract, changes)
        still_visible(actor, contract)
    events.emit("contract.updated", {"id": contract.pk, "changed": sorted(changes)})
    return contract


def contract_delete(*, actor, contract: Contract) -> None:
    """Only drafts are deleted; a signed contract is terminated instead, so its history stays."""
    require(actor, "contracts.delete", contract, edit=True)
    files = [a.file.name for a in contract.attachments.all() if a.file.name]
    with transaction.atomic():
        deleted, _rows = Contract.objects.filter(pk=contract.pk, status=ContractStatus.DRAFT).delete()
        if not deleted:
            raise DomainError(errors.NOT_DRAFT, _("Only a draft contract can be deleted; terminate a signed one "
                                                  "instead."))
        Collaborator.objects.filter(content_type=ContentType.objects.get_for_model(Contract),
                                    object_id=contract.pk).delete()
        audit.record(actor, "contract.deleted", contract,
                     {"number": [contract.number, None], "amount": [str(contract.amount), None]})
        # Files go only once the rows are gone for good; a rolled-back delete keeps them.
        transaction.on_commit(lambda: _remove_files(files))
    events.emit("contract.deleted", {"id": contract.pk})


def _remove_files(names: list[str]) -> None:
    storage = ContractAttachment._meta.get_field("file").storage  # type: ignore[attr-defined]
    for name in names:
        storage.delete(name)


# -- approval and activation --


def contract_submit(*, actor, contract: Contract, comment: str = "") -> Contract:
    """Send a draft for approval; with no approval flow matching it, it comes into force at once."""
    require(actor, "contracts.edit", contract, edit=True)
    if contract.status != ContractStatus.DRAFT:
        raise DomainError(errors.NOT_DRAFT, _("Only a draft contract can be submitted."))
    if contract.amount <= ZERO:
        raise _invalid("amount", _("Enter the contract amount before submitting it."))
    with transaction.atomic():
        moved = Contract.objects.filter(pk=contract.pk, status=ContractStatus.DRAFT).update(
            status=ContractStatus.PENDING_APPROVAL, approval_comment="", updated_at=timezone.now(),
            version=F("version") + 1)
        if not moved:
            raise Conflict("conflict", _("Someone else changed this contract meanwhile. Reload it and try again."))
        contract.status = ContractStatus.PENDING_APPROVAL
        contract.approval_comment = ""
        contract.version += 1
        audit.record(actor, "contract.submitted", contract,
                     {"status": [ContractStatus.DRAFT, ContractStatus.PENDING_APPROVAL]},
                     extra={"comment": comment[:1000]} if comment else None)
        request = approval_submit(actor=actor, record=contract, comment=comment)
        if request is None:
            contract_activate(contract=contract, actor=actor)
    events.emit("contract.submitted", {"id": contract.pk})
    return contract


def contract_activate(*, contract: Contract, actor=None) -> Contract:
    """Approved (or no approval needed): the contract comes into force and the customer has a deal.

    Called inside the submitting or deciding transaction; the caller has already checked the actor.
    """
    now = timezone.now()
    moved = Contract.objects.filter(pk=contract.pk, status=ContractStatus.PENDING_APPROVAL).update(
        status=ContractStatus.ACTIVE, activated_at=now, approval_comment="", updated_at=now, version=F("version") + 1)
    if not moved:
        raise Conflict("conflict", _("This contract is no longer waiting for approval."))
    contract.status, contract.activated_at, contract.approval_comment = ContractStatus.ACTIVE, now, ""
    contract.version += 1
    customer_note_deal(customer_id=contract.customer_id, at=now)
    audit.record(actor, "contract.activated", contract,
                 {"status": [ContractStatus.PENDING_APPROVAL, ContractStatus.ACTIVE]})
    events.emit("contract.activated", {"id": contract.pk, "customer": contract.customer_id})
    return contract


def contract_send_back(*, contract: Contract, actor=None, comment: str = "", action: str = "contract.returned"
                       ) -> Contract:
    """Rejected, returned for changes or withdrawn: the contract is a draft again, with the approver's comment."""
    comment = (comment or "").strip()[:1000]
    moved = Contract.objects.filter(pk=contract.pk, status=ContractStatus.PENDING_APPROVAL).update(
        status=ContractStatus.DRAFT, approval_comment=comment, updated_at=timezone.now(), version=F("version") + 1)
    if not moved:
        raise Conflict("conflict", _("This contract is no longer waiting for approval."))
    contract.status, contract.approval_comment = ContractStatus.DRAFT, comment
    contract.version += 1
    audit.record(actor, action, contract, {"status": [ContractStatus.PENDING_APPROVAL, ContractStatus.DRAFT]},
                 extra={"comment": comment} if comment else None)
    events.emit(action, {"id": contract.pk})
    return contract


# -- outcomes of the approval engine, called inside its deciding transaction (see apps.py) --


def _decision_comment(approval) -> str:
    """What the approver who settled the request wrote; the engine saves it before calling back."""
    if approval is None:
        return ""
    comment = (approval.tasks.filter(step=approval.current_step, decided_at__isnull=False)
               .order_by("-decided_at", "-id").values_list("comment", flat=True).first())
    return str(comment or "")


def contract_approval_approved(contract: Contract, approval, actor) -> None:
    contract_activate(contract=contract, actor=actor)


def contract_approval_rejected(contract: Contract, approval, actor) -> None:
    contract_send_back(contract=contract, actor=actor, comment=_decision_comment(approval),
                       action="contract.rejected")


def contract_approval_returned(contract: Contract, approval, actor) -> None:
    contract_send_back(contract=contract, actor=actor, comment=_decision_comment(approval),
                       action="contract.returned")


def contract_approval_withdrawn(contract: Contract, approval, actor) -> None:
    contract_send_back(contract=contract, actor=actor, action="contract.withdrawn")


def contract_terminate(*, actor, contract: Contract, reason: str) -> Contract:
    """End a contract in force early, saying why."""
    require(actor, "contracts.edit", contract, edit=True)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Say why the contract ends early."))
    if len(reason) > 500:
        raise _invalid("reason", _("At most %(n)d characters.") % {"n": 500})
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        moved = (Contract.objects.filter(pk=contract.pk, status=ContractStatus.ACTIVE)
                 .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
                 .update(status=ContractStatus.TERMINATED, terminated_at=now, termination_reason=reason,
                         updated_at=now, version=F("version") + 1))
        if not moved:
            raise DomainError(errors.NOT_IN_FORCE, _("Only a contract in force can be terminated; this one is "
                                                     "%(status)s.") % {"status": contract.get_current_status_display()})
        before = contract.status
        contract.status, contract.terminated_at, contract.termination_reason = ContractStatus.TERMINATED, now, reason
        contract.version += 1
        audit.record(actor, "contract.terminated", contract,
                     {"status": [before, ContractStatus.TERMINATED], "termination_reason": [None, reason]})
    events.emit("contract.terminated", {"id": contract.pk})
    return contract


def contract_expire_due(*, today: dt.date | None = None, actor=None) -> int:
    """Mark active contracts past their end date as expired, in batches, each one audited.

    Run nightly by `guanxi contracts-expire`; pages already show such contracts as expired.
    """
    day = today or timezone.localdate()
    total = 0
    while True:
        due = list(Contract.objects.filter(status=ContractStatus.ACTIVE, ends_on__lt=day)
                   .order_by("id").values_list("pk", "number", "title")[:EXPIRE_BATCH])
        if not due:
            return total
        with transaction.atomic():
            ids = [pk for pk, _number, _title in due]
            Contract.objects.filter(pk__in=ids, status=ContractStatus.ACTIVE).update(
                status=ContractStatus.EXPIRED, updated_at=timezone.now(), version=F("version") + 1)
            audit.record_many([
                audit.build(actor, "contract.expired", Contract(pk=pk, number=number, title=title),
                            {"status": [ContractStatus.ACTIVE, ContractStatus.EXPIRED]})
                for pk, number, title in due
            ])
            for pk in ids:
                events.emit("contract.expired", {"id": pk})
        total += len(due)


# -- the contract's team (团队成员) --


def contract_set_collaborator(*, actor, contract: Contract, user, can_edit: bool) -> Collaborator:
    require(actor, "contracts.edit", contract, edit=True)
    if user.pk == contract.owner_id:
        raise DomainError("invalid", _("The owner is already on this contract's team."))
    ct = ContentType.objects.get_for_model(Contract)
    with transaction.atomic():
        member, _created = Collaborator.objects.update_or_create(
            content_type=ct, object_id=contract.pk, user=user, defaults={"can_edit": can_edit})
        audit.record(actor, "contract.collaborator_set", contract,
                     {"collaborator": [None, f"{user} ({_('can edit') if can_edit else _('read only')})"]})
    return member


def contract_remove_collaborator(*, actor, contract: Contract, user) -> None:
    require(actor, "contracts.edit", contract, edit=True)
    ct = ContentType.objects.get_for_model(Contract)
    with transaction.atomic():
        deleted, _rows = Collaborator.objects.filter(content_type=ct, object_id=contract.pk, user=user).delete()
        if deleted:
            audit.record(actor, "contract.collaborator_removed", contract, {"collaborator": [str(user), None]})
