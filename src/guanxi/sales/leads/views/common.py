"""What the lead pages share beyond the customer pages' gate (customers.views.common)."""

from __future__ import annotations

from guanxi.core.errors import DomainError


def may_confirm(exc: DomainError) -> bool:
    """A possible duplicate the user may save anyway: the duplicate check warns rather than blocks."""
    return exc.code == "possible_duplicate" and not getattr(exc, "blocked", False)


def show_error(form, exc: DomainError) -> None:
    """A service's error on the form; a possible duplicate also says what to do about the matches listed."""
    if exc.code == "possible_duplicate":
        form.add_error(None, str(exc.message))
    form.add_domain_error(exc)
