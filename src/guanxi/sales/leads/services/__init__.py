"""Every write of leads, one module per use case; import the functions from here."""

from .assignment import (
    assign_by_rules,
    lead_apply_rules,
    lead_assign,
    lead_claim,
    rule_create,
    rule_delete,
    rule_update,
)
from .conversion import Conversion, lead_convert
from .follow_ups import lead_follow_up_create, lead_follow_up_delete, lead_follow_up_update
from .leads import lead_bulk_delete, lead_create, lead_delete, lead_restore, lead_update

__all__ = [
    "Conversion",
    "assign_by_rules",
    "lead_apply_rules",
    "lead_assign",
    "lead_bulk_delete",
    "lead_claim",
    "lead_convert",
    "lead_create",
    "lead_delete",
    "lead_follow_up_create",
    "lead_follow_up_delete",
    "lead_follow_up_update",
    "lead_restore",
    "lead_update",
    "rule_create",
    "rule_delete",
    "rule_update",
]
