"""Building blocks every API router shares: the error body, strict input schemas, bounded ids and times.

Input is refused with a 422 before it reaches a service whenever its shape is wrong: unknown
fields, over-long strings, out-of-range numbers, NUL characters, naive or absurd dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, field_validator

from .errors import DomainError

# Largest primary key both SQLite and PostgreSQL (bigint) store; bigger ids are refused, not crashed on.
MAX_ID = 2**63 - 1
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2200, 12, 31)


# Errors the API layer itself answers with (services raise DomainError with their own messages).
UNAUTHENTICATED = gettext_lazy("Sign in or send a valid API token.")
CSRF_FAILED = gettext_lazy("The CSRF token is missing or wrong. Reload the page, or use an API token.")
TOO_LARGE = gettext_lazy("The request is too large.")
INVALID_BODY = gettext_lazy("The request body is not valid JSON.")
INVALID = gettext_lazy("Please correct the errors below.")


class ErrorOut(Schema):
    """Every error: a code for programs, a message for people, and messages per field."""

    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["Not found."])
    errors: dict[str, list[str]] = Field(default_factory=dict, examples=[{"phone": ["Enter a valid phone number."]}])


class CountOut(Schema):
    """How many records a bulk action changed."""

    count: int


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Response documentation for the error statuses an operation can answer with."""
    return {status: ErrorOut for status in (401, *statuses)}


def _reject_nul(value: Any) -> Any:
    """PostgreSQL cannot store NUL in text or JSON; refuse it with a field error, not a crash."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(_("NUL characters are not allowed."))
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key)
            _reject_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_nul(item)
    return value


class InSchema(Schema):
    """A request body: unknown fields are refused, choice fields carry their plain values."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _reject_nul(value)


class QuerySchema(Schema):
    """Query-string parameters: bounded like bodies, but extra parameters are left to the handler."""

    model_config = ConfigDict(use_enum_values=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _reject_nul(value)


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _none_to_blank(value: Any) -> Any:
    return "" if value is None else value


def absent(**constraints: Any) -> Any:
    """A field of a PATCH body: left out, the stored value stays; null is refused like any wrong type."""
    return Field(None, **constraints)


def blank_choice() -> Any:
    """Default of a choice that may be left blank (stored as "")."""
    return Field("", validate_default=True)


# For summaries and descriptions, translated when the OpenAPI document is rendered for a reader.
lazy_text = cast(Callable[[str], str], gettext_lazy)


def _bounded_moment(value: dt.datetime) -> dt.datetime:
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(_("Choose a time between 1900 and 2200."))
    if timezone.is_naive(value):
        # A time without an offset is read in the server's (or the user's) time zone.
        value = timezone.make_aware(value, timezone.get_current_timezone())
    return value


def _bounded_day(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(_("Choose a date between 1900 and 2200."))
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# For `Annotated[<Choices> | None, BLANK_IN, BLANK_OUT]`: a choice that may be blank takes "" or null, gives "".
BLANK_IN = BeforeValidator(_blank_to_none)
BLANK_OUT = AfterValidator(_none_to_blank)
Moment = Annotated[dt.datetime, AfterValidator(_bounded_moment)]
Day = Annotated[dt.date, AfterValidator(_bounded_day)]
Position = Annotated[int, Field(ge=0, le=1_000_000)]
# A custom field value: scalars, or a list of options for multiple choice.
CustomScalar = Annotated[str, Field(max_length=10_000)] | bool | int | float | None
CustomValues = Annotated[dict[Annotated[str, Field(max_length=40)], CustomScalar | list[CustomScalar]],
                         Field(max_length=200)]


def pick(qs: QuerySet, id: int | None, field: str):
    """The row `id` among a selector's choices, or a field error naming `field`; None stays None."""
    if id is None:
        return None
    obj = qs.filter(pk=id).first()
    if obj is None:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {field: [_("Choose one of the available options.")]})
    return obj


def pick_many(qs: QuerySet, ids: list[int], field: str) -> list:
    wanted = list(dict.fromkeys(ids))
    found = {obj.pk: obj for obj in qs.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise DomainError("invalid", _("Please correct the errors below."),
                          {field: [_("Choose one of the available options.")]})
    return [found[pk] for pk in wanted]
