"""Every write of contracts and receivables: one function per use case, named `<entity>_<verb>`."""

from .attachments import attachment_add, attachment_delete
from .contracts import (
    contract_activate,
    contract_approval_approved,
    contract_approval_rejected,
    contract_approval_returned,
    contract_approval_withdrawn,
    contract_create,
    contract_delete,
    contract_expire_due,
    contract_remove_collaborator,
    contract_send_back,
    contract_set_collaborator,
    contract_submit,
    contract_terminate,
    contract_update,
)
from .receivables import instalment_create, instalment_delete, instalment_update, payment_record, payment_reverse

__all__ = [
    "attachment_add", "attachment_delete",
    "contract_activate", "contract_approval_approved", "contract_approval_rejected", "contract_approval_returned",
    "contract_approval_withdrawn", "contract_create", "contract_delete", "contract_expire_due",
    "contract_remove_collaborator", "contract_send_back", "contract_set_collaborator", "contract_submit",
    "contract_terminate", "contract_update",
    "instalment_create", "instalment_delete", "instalment_update", "payment_record", "payment_reverse",
]
