"""Error codes of the organisation app."""

DEPARTMENT_CYCLE = "department_cycle"
DEPARTMENT_NOT_EMPTY = "department_not_empty"
USERNAME_TAKEN = "username_taken"
UNKNOWN_ACTION = "unknown_action"
INVALID_TOKEN = "invalid_token"
