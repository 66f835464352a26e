"""Error codes of the leads app."""

INVALID_PHONE = "invalid_phone"
TOO_MANY = "too_many"
ALREADY_CLAIMED = "already_claimed"
CONVERTED = "converted"
CLOSED = "closed"
NOT_QUALIFIED = "not_qualified"
UNOWNED = "unowned"
