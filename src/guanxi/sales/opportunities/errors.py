"""Error codes of the opportunities app."""

LOST_REASON_REQUIRED = "lost_reason_required"
STAGE_IN_USE = "stage_in_use"
PIPELINE_RULES = "pipeline_rules"
AMOUNT_FROM_LINES = "amount_from_lines"
TOO_MANY = "too_many"
IN_USE = "in_use"
