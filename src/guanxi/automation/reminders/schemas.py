import datetime as dt

from ninja import Schema


class DigestOut(Schema):
    enabled: bool
    at: dt.time
    last_sent_on: dt.date | None = None


class DigestIn(Schema):
    enabled: bool
    at: dt.time


class ReminderSettingsOut(Schema):
    not_contacted_a: int
    not_contacted_b: int
    not_contacted_c: int
    not_contacted_d: int
    not_contacted_none: int
    contract_ending_days: int
    instalment_due_days: int


class ReminderSettingsPatch(Schema):
    not_contacted_a: int | None = None
    not_contacted_b: int | None = None
    not_contacted_c: int | None = None
    not_contacted_d: int | None = None
    not_contacted_none: int | None = None
    contract_ending_days: int | None = None
    instalment_due_days: int | None = None
