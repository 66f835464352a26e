"""What every organisation page shares: the action guard and showing business errors on forms."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from guanxi.core.errors import DomainError, Forbidden, NotFound


def admin_page(action: str) -> Callable:
    """A page for signed-in users whose roles grant `action`; others get 403, missing records 404."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.has_action(action):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None
            except Forbidden:
                raise PermissionDenied from None

        return login_required(guarded)

    return decorate


def show_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's field errors on the form's own fields; the rest, or the message, on top."""
    if isinstance(exc, NotFound):
        raise Http404 from None
    if isinstance(exc, Forbidden):
        raise PermissionDenied from None
    placed = False
    for field, messages in exc.errors.items():
        name = field if field in form.fields else None
        for message in messages:
            form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))
