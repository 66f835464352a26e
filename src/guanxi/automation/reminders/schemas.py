import datetime as dt

from ninja import Schema


class DigestOut(Schema):
    enabled: bool
    at: dt.time
    last_sent_on: dt.date | None = None


class DigestIn(Schema):
    enabled: bool
    at: dt.time
