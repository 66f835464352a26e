"""What every page of the customer and follow-up screens shares: the permission gate that
turns NotFound into a 404 page and Forbidden into a 403 page, safe redirects back, paging."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from guanxi.core import paging
from guanxi.core.errors import Forbidden, NotFound
from guanxi.core.permissions import require

PAGE_SIZE = 50
COUNT_LIMIT = paging.COUNT_LIMIT


def error_page(request, status: int, message: object = None):
    """404 reads the same for a missing record and one out of the user's scope."""
    if message is None:
        message = _("This page does not exist, or you cannot see it.") if status == 404 else _(
            "You do not have permission to do this.")
    return render(request, "customers/error.html", {"status": status, "message": message}, status=status)


def guarded(action: str | None = None):
    """Signed in, holding `action` (403 otherwise); NotFound and Forbidden from any selector or
    service below become the 404 and 403 pages."""

    def decorate(view):
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


def back_to(request, fallback: str):
    """Redirect to the `next` the form carried, when it points inside this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def count_label(qs, page: paging.Page | None = None, *, first_page: bool = True, counted: bool = True) -> dict:
    """A bounded count: "1,000+" instead of counting a million rows.

    A first page with nothing after it holds the whole count, and no query is needed. `counted=False`
    is for name searches: past the first page they say "50+" (at least a page) rather than count, as
    the database counts a common prefix (`hs`) only by reading thousands of matches, up to ten times
    the time of the page itself; the rows of the page come in order from an index either way."""
    if page is not None and first_page and page.next_cursor is None:
        return {"count": len(page.items), "count_more": False}
    if page is not None and not counted:
        return {"count": len(page.items), "count_more": True}
    count, more = paging.bounded_count(qs, COUNT_LIMIT)
    return {"count": count, "count_more": more}


def render_listing(request, template: str, context: dict, *, fragment: str = "results", status: int = 200):
    """The `fragment` when HTMX asks to swap the element of that id, otherwise the whole page,
    so filters and paging work with and without JavaScript."""
    htmx = getattr(request, "htmx", None)
    name = template
    if htmx and htmx.target == fragment and not htmx.history_restore_request:
        name = f"{template}#{fragment}"
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response
