"""Error codes of webhooks (the `code` of a DomainError)."""

INVALID = "invalid"
NOT_SENT = "not_sent"
