"""Every write of the approval engine: requests (submit, decide, withdraw) and flows."""

from .approval_flows import approval_flow_create, approval_flow_delete, approval_flow_update
from .approval_requests import approval_decide, approval_submit, approval_withdraw, matching_flow

__all__ = [
    "approval_decide",
    "approval_flow_create",
    "approval_flow_delete",
    "approval_flow_update",
    "approval_submit",
    "approval_withdraw",
    "matching_flow",
]
