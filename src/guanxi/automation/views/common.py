"""What the approval pages share: the sign-in and permission gate, and the error page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from guanxi.core.errors import Forbidden, NotFound
from guanxi.core.permissions import require

PAGE_SIZE = 50


def error_page(request, status: int, message: object = None):
    """404 reads the same for a missing request and one the user may not see."""
    if message is None:
        message = _("This page does not exist, or you cannot see it.") if status == 404 else _(
            "You do not have permission to do this.")
    return render(request, "automation/error.html", {"status": status, "message": message}, status=status)


def page(action: str | None = None) -> Callable:
    """Signed in and, when given, holding `action`; NotFound and Forbidden from below become 404 and 403 pages."""

    def decorate(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if action:
                    require(request.user, action)
                return view(request, *args, **kwargs)
            except NotFound:
                return error_page(request, 404)
            except Forbidden as exc:
                return error_page(request, 403, exc.message)

        return wrapper

    return decorate


def safe_next(request) -> str | None:
    """The `next` the form carried, when it points inside this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return None
