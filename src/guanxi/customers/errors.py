"""Error codes of the customers app."""

INVALID_PHONE = "invalid_phone"
TOO_MANY = "too_many"
