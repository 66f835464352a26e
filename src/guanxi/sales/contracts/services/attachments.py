"""Files of a contract: the signed scan, annexes. Size limits are those of follow-up attachments."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.activities.services import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from guanxi.core import audit, events
from guanxi.core.errors import DomainError, NotFound
from guanxi.core.permissions import require

from .. import errors
from ..models import Contract, ContractAttachment

# Enough for a contract and its annexes; a contract that needs more is a document system's job.
MAX_FILES_PER_CONTRACT = 50


def _check_files(contract: Contract, files: list) -> None:
    if not files:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"attachments": [_("Choose at least one file.")]})
    if len(files) > MAX_ATTACHMENTS:
        raise DomainError(errors.TOO_MANY_FILES, _("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS},
                          {"attachments": [_("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}]})
    for f in files:
        if f.size > MAX_ATTACHMENT_BYTES:
            raise DomainError("invalid", _("Please correct the errors below."),
                              {"attachments": [_("%(name)s is larger than 20 MB.") % {"name": f.name}]})
    if contract.attachments.count() + len(files) > MAX_FILES_PER_CONTRACT:
        message = _("A contract keeps at most %(n)d files.") % {"n": MAX_FILES_PER_CONTRACT}
        raise DomainError(errors.TOO_MANY_FILES, message, {"attachments": [message]})


def attachment_add(*, actor, contract: Contract, files: list) -> list[ContractAttachment]:
    """Upload files to a contract; allowed in any status, since the signed scan comes after signing."""
    require(actor, "contracts.edit", contract, edit=True)
    files = list(files or [])
    _check_files(contract, files)
    added = []
    with transaction.atomic():
        for f in files:
            name = (f.name or "file").replace("\x00", "")[-255:]
            added.append(ContractAttachment.objects.create(
                contract=contract, file=f, name=name, size=f.size,
                uploaded_by=actor if getattr(actor, "pk", None) else None))
        audit.record(actor, "contract.attachments_added", contract,
                     {"attachments": [None, [a.name for a in added]]})
    events.emit("contract.attachments_added", {"id": contract.pk, "attachments": [a.pk for a in added]})
    return added


def attachment_delete(*, actor, attachment: ContractAttachment) -> None:
    contract = attachment.contract
    require(actor, "contracts.edit", contract, edit=True)
    name = attachment.file.name or ""
    with transaction.atomic():
        deleted, _rows = ContractAttachment.objects.filter(pk=attachment.pk).delete()
        if not deleted:
            raise NotFound(_("This record was deleted by someone else meanwhile."))
        audit.record(actor, "contract.attachment_deleted", contract, {"attachments": [attachment.name, None]})
        storage = attachment.file.storage
        transaction.on_commit(lambda: storage.delete(name))
    events.emit("contract.attachment_deleted", {"id": contract.pk, "attachment": attachment.pk})
