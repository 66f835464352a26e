"""Every write to opportunities (商机), their pipelines, stages and lost reasons.

Other apps import from here: `opportunity_create`, `pipeline_default`, and the rest below.
"""

from .opportunities import (
    opportunity_add_line,
    opportunity_bulk_delete,
    opportunity_bulk_transfer,
    opportunity_create,
    opportunity_delete,
    opportunity_move,
    opportunity_purge,
    opportunity_remove_collaborator,
    opportunity_remove_line,
    opportunity_restore,
    opportunity_set_collaborator,
    opportunity_set_lines,
    opportunity_update,
)
from .pipelines import (
    lost_reason_create,
    lost_reason_delete,
    lost_reason_update,
    pipeline_create,
    pipeline_default,
    pipeline_delete,
    pipeline_update,
    stage_create,
    stage_delete,
    stage_reorder,
    stage_update,
)

__all__ = [
    "lost_reason_create", "lost_reason_delete", "lost_reason_update", "opportunity_add_line",
    "opportunity_bulk_delete", "opportunity_bulk_transfer", "opportunity_create", "opportunity_delete",
    "opportunity_move", "opportunity_purge", "opportunity_remove_collaborator", "opportunity_remove_line",
    "opportunity_restore", "opportunity_set_collaborator", "opportunity_set_lines", "opportunity_update",
    "pipeline_create", "pipeline_default", "pipeline_delete", "pipeline_update", "stage_create", "stage_delete",
    "stage_reorder", "stage_update",
]
