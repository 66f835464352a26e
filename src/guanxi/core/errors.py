"""The one business error type. Views show it on the form; the API renders it as a 4xx."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the business refused the request: `code` for machines, `message` for people."""

    status = 400

    def __init__(self, code: str, message: object, errors: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.errors = errors or {}

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "errors": {field: [str(m) for m in msgs] for field, msgs in self.errors.items()},
        }

    @classmethod
    def from_validation(cls, exc: ValidationError) -> DomainError:
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
        else:
            errors = {"__all__": [str(m) for m in exc.messages]}
        return cls("invalid", _("Please correct the errors below."), errors)


class NotFound(DomainError):
    """Missing, deleted, or outside the actor's data scope: all three look the same."""

    status = 404

    def __init__(self, message: object = None):
        super().__init__("not_found", message or _("Not found."))


class Forbidden(DomainError):
    """The actor's roles do not grant this action at all."""

    status = 403

    def __init__(self, message: object = None):
        super().__init__("forbidden", message or _("You do not have permission to do this."))


class Conflict(DomainError):
    """Someone else changed or deleted the record meanwhile."""

    status = 409
