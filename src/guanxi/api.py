"""The REST API (/api/v1/): one NinjaAPI, a router per app, errors as {code, message, errors}.

Clients authenticate with a personal token (`Authorization: Bearer gx_…`) or, in the browser,
with the signed-in session (writes then need the CSRF token, as every form does).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils import translation
from django.utils.functional import Promise
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import BaseRenderer
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from guanxi.core import api_schemas
from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.org.services import token_authenticate


class CsrfFailed(Exception):
    """A session-authenticated write came without the page's CSRF token."""


class BearerToken(HttpBearer):
    """`Authorization: Bearer gx_…` with a personal API token."""

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is None:
            # A token was sent and is wrong: say so, rather than falling back to a session.
            raise AuthenticationError()
        request.user = user
        if user.language and user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return user


class SessionAuth(APIKeyCookie):
    """The browser's signed-in session, with Django's CSRF check on writes.

    The CSRF check runs only when a session user is present, so a token client that sends no
    cookie gets a plain 401, not a CSRF complaint.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed()
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request, key):
        user = request.user
        # A role that requires two-factor sign-in gets no API access from a half-finished sign-in.
        if getattr(user, "requires_2fa", False) and not (hasattr(user, "is_verified") and user.is_verified()):
            return None
        return user


def _json_default(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, default=_json_default)


class ORJSONParser(Parser):
    """Strict JSON (orjson refuses NaN and Infinity, which no database column can hold)."""

    def parse_body(self, request):
        return orjson.loads(request.body)


api = NinjaAPI(
    title="Guanxi API",
    version="1",
    description=(
        "Customers, contacts, follow-ups and organisation of a Guanxi CRM. Authenticate with "
        "`Authorization: Bearer gx_…` (a personal API token) or a signed-in browser session. "
        "Lists page by cursor: pass `next_cursor` back as `cursor`. Errors have the shape "
        '`{"code", "message", "errors": {field: [messages]}}`.'
    ),
    auth=[BearerToken(), SessionAuth(csrf=True)],
    urls_namespace="api",
    renderer=ORJSONRenderer(),
    parser=ORJSONParser(),
)


def _error(request, status: int, code: str, message, errors=None):
    return api.create_response(
        request, {"code": code, "message": str(message), "errors": errors or {}}, status=status
    )


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.code, exc.message, exc.as_dict()["errors"])


@api.exception_handler(ValidationError)
def schema_error(request, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "payload", "query", "path", "filters",
                                                               "paging", "data")]
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        errors.setdefault(".".join(loc) or "__all__", []).append(message)
    return _error(request, 422, "invalid", api_schemas.INVALID, errors)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return _error(request, 401, "unauthenticated", api_schemas.UNAUTHENTICATED)


@api.exception_handler(CsrfFailed)
def csrf_error(request, exc):
    return _error(request, 403, "csrf_failed", api_schemas.CSRF_FAILED)


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc):
    return _error(request, 413, "too_large", api_schemas.TOO_LARGE)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return _error(request, 400, "invalid_body", api_schemas.INVALID_BODY)
    return _error(request, exc.status_code, "error", exc.message)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", NotFound().message)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, 403, "forbidden", Forbidden().message)


def _register_routers() -> None:
    from guanxi.activities.api import router as activities_router
    from guanxi.automation.api import router as automation_router
    from guanxi.automation.notifications.api import router as notifications_router
    from guanxi.automation.reminders.api import router as reminders_router
    from guanxi.automation.webhooks.api import router as webhooks_router
    from guanxi.customers.api import router as customers_router
    from guanxi.dataquality.api import router as dataquality_router
    from guanxi.dataquality.duplicates.api import router as duplicates_router
    from guanxi.dataquality.exports.api import router as exports_router
    from guanxi.dataquality.imports.api import router as imports_router
    from guanxi.dataquality.merging.api import router as merging_router
    from guanxi.org.api import router as org_router
    from guanxi.sales.contracts.api import router as contracts_router
    from guanxi.sales.leads.api import router as leads_router
    from guanxi.sales.opportunities.api import router as opportunities_router
    from guanxi.sales.products.api import router as products_router
    from guanxi.sales.quotes.api import router as quotes_router
    from guanxi.sales.targets.api import router as targets_router

    api.add_router("", customers_router)
    api.add_router("", activities_router)
    api.add_router("", org_router)
    api.add_router("", leads_router)
    api.add_router("", opportunities_router)
    api.add_router("", products_router)
    api.add_router("", quotes_router)
    api.add_router("", contracts_router)
    api.add_router("", targets_router)
    api.add_router("", automation_router)
    api.add_router("", notifications_router)
    api.add_router("", reminders_router)
    api.add_router("", webhooks_router)
    api.add_router("", dataquality_router)
    api.add_router("", duplicates_router)
    api.add_router("", merging_router)
    api.add_router("", imports_router)
    api.add_router("", exports_router)


_register_routers()
