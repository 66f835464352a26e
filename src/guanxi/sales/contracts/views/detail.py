"""The contract page: details, team, attachments, instalments with progress, payments, approval;
and the actions taken from it (submit, terminate, team, files)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import DomainError, NotFound
from guanxi.customers.forms import CollaboratorForm
from guanxi.customers.views.common import error_page, guarded
from guanxi.customers.views.listing import custom_display

from .. import selectors, services
from ..choices import ContractStatus
from ..filters import DEFAULT_ENDING_DAYS
from ..forms import AttachmentForm, SubmitForm, TerminateForm
from ..models import Contract
from ..services.receivables import PAYABLE, PLAN_LOCKED


def _url(contract: Contract, anchor: str = "") -> str:
    return reverse("contracts:detail", args=[contract.pk]) + (f"#{anchor}" if anchor else "")


def detail_context(request, contract: Contract, **extra) -> dict:
    actor = request.user
    today = timezone.localdate()
    can_edit = selectors.contract_can_edit(actor=actor, contract=contract)
    status = contract.status_on(today)
    definitions = customfields.definitions("contracts.contract")
    collaborators = list(selectors.contract_collaborators(contract=contract))
    collaborator_form = None
    if can_edit:
        users = selectors.contract_collaborator_choices(contract=contract).exclude(
            pk__in=[c.user_id for c in collaborators])
        collaborator_form = CollaboratorForm(users=users)
    days_left = contract.days_left(today)
    can_pay = actor.has_action("contracts.record_payment")
    context = {
        "contract": contract,
        "status": status,
        "status_label": ContractStatus(status).label,
        "today": today,
        "days_left": days_left,
        "ending_soon": days_left is not None and days_left <= DEFAULT_ENDING_DAYS,
        "custom_fields": [(d.label, custom_display(d, (contract.custom or {}).get(d.key))) for d in definitions],
        "collaborators": collaborators,
        "collaborator_form": collaborator_form,
        "attachments": list(selectors.contract_attachments(contract=contract)),
        "attachment_form": AttachmentForm() if can_edit else None,
        "instalments": list(selectors.instalment_list(actor=actor, contract=contract)),
        "payments": list(selectors.contract_payments(actor=actor, contract=contract)),
        "history": selectors.contract_history(contract=contract),
        "can_edit": can_edit,
        "is_draft": contract.status == ContractStatus.DRAFT,
        "is_pending": contract.status == ContractStatus.PENDING_APPROVAL,
        "can_delete": can_edit and contract.status == ContractStatus.DRAFT and actor.has_action("contracts.delete"),
        "can_submit": can_edit and contract.status == ContractStatus.DRAFT,
        "can_terminate": can_edit and status == ContractStatus.ACTIVE,
        "can_plan": can_edit and contract.status not in PLAN_LOCKED,
        "can_pay": can_pay and contract.status in PAYABLE,
        "can_reverse": can_pay,
        "submit_form": SubmitForm() if can_edit and contract.status == ContractStatus.DRAFT else None,
    }
    context.update(extra)
    return context


@guarded("contracts.view")
def contract_detail(request, pk: int):
    contract = selectors.contract_get(actor=request.user, id=pk)
    return render(request, "contracts/contract_detail.html", detail_context(request, contract))


def _flash_error(request, exc: DomainError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, str(exc.message))
    for field_errors in exc.errors.values():
        for message in field_errors:
            if message != str(exc.message):
                messages.error(request, message)


@require_POST
@guarded("contracts.edit")
def contract_submit(request, pk: int):
    actor = request.user
    contract = selectors.contract_get(actor=actor, id=pk)
    form = SubmitForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.contract_submit(actor=actor, contract=contract, comment=comment)
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        if contract.status == ContractStatus.ACTIVE:
            messages.success(request, _("Contract %(number)s is in force; no approval was needed.")
                             % {"number": contract.number})
        else:
            messages.success(request, _("Contract %(number)s was sent for approval.") % {"number": contract.number})
    return redirect(_url(contract))


@guarded("contracts.edit")
def contract_terminate(request, pk: int):
    actor = request.user
    contract = selectors.contract_get(actor=actor, id=pk)
    if not selectors.contract_can_edit(actor=actor, contract=contract):
        return error_page(request, 403)
    form = TerminateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.contract_terminate(actor=actor, contract=contract, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                for message in exc.errors.get("reason", []) or [str(exc.message)]:
                    form.add_error("reason" if "reason" in exc.errors else None, message)
            else:
                messages.success(request, _("Contract %(number)s was terminated.") % {"number": contract.number})
                return redirect(_url(contract))
    return render(request, "contracts/contract_terminate.html", {"form": form, "contract": contract},
                  status=status)


# -- the contract's team (团队成员) --


@require_POST
@guarded("contracts.edit")
def collaborator_add(request, pk: int):
    actor = request.user
    contract = selectors.contract_get(actor=actor, id=pk)
    form = CollaboratorForm(request.POST, users=selectors.contract_collaborator_choices(contract=contract))
    if not form.is_valid():
        messages.error(request, _("Choose a team member and their access."))
    else:
        user = form.cleaned_data["user"]
        try:
            services.contract_set_collaborator(actor=actor, contract=contract, user=user,
                                               can_edit=form.cleaned_data["can_edit"])
        except DomainError as exc:
            _flash_error(request, exc)
        else:
            messages.success(request, _("%(user)s joined the team of this contract.") % {"user": user})
    return redirect(_url(contract, "team"))


@require_POST
@guarded("contracts.edit")
def collaborator_remove(request, pk: int, user_id: int):
    actor = request.user
    contract = selectors.contract_get(actor=actor, id=pk)
    member = selectors.contract_collaborators(contract=contract).filter(user_id=user_id).first()
    if member is not None:
        services.contract_remove_collaborator(actor=actor, contract=contract, user=member.user)
        messages.success(request, _("%(user)s left the team of this contract.") % {"user": member.user})
    return redirect(_url(contract, "team"))


# -- attachments --


@require_POST
@guarded("contracts.edit")
def attachment_upload(request, pk: int):
    actor = request.user
    contract = selectors.contract_get(actor=actor, id=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
        return redirect(_url(contract, "attachments"))
    try:
        added = services.attachment_add(actor=actor, contract=contract, files=form.cleaned_data["attachments"])
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, ngettext("%(n)d file attached.", "%(n)d files attached.", len(added))
                         % {"n": len(added)})
    return redirect(_url(contract, "attachments"))


@guarded("contracts.view")
def attachment_download(request, pk: int):
    """Files are served only through this check, never from a public media URL."""
    attachment = selectors.attachment_get(actor=request.user, id=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound() from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


@require_POST
@guarded("contracts.edit")
def attachment_delete(request, pk: int):
    attachment = selectors.attachment_get(actor=request.user, id=pk)
    contract = attachment.contract
    try:
        services.attachment_delete(actor=request.user, attachment=attachment)
    except DomainError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, _("File “%(name)s” deleted.") % {"name": attachment.name})
    return redirect(_url(contract, "attachments"))
