"""What every app's HTML forms share."""

from __future__ import annotations

from .errors import DomainError


def form_errors(form, exc: DomainError) -> None:
    """Put a service's refusal on the form: each field error on its field (or above the form when the
    form has no such field), and the message itself when it names no field, so nothing is lost."""
    placed = False
    for field, messages in exc.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))
