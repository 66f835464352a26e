"""The REST API (/api/v1/): one NinjaAPI, a router per app, errors as {code, message, errors}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from guanxi.core.errors import DomainError
from guanxi.org.services import token_authenticate


class BearerToken(HttpBearer):
    """`Authorization: Bearer gx_…` with a personal API token."""

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's signed-in session (with its CSRF check on writes)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api = NinjaAPI(
    title="Guanxi API",
    version="1",
    description="Customers, contacts, follow-ups and organisation of a Guanxi CRM.",
    auth=[BearerToken(), SessionAuth(csrf=True)],
    urls_namespace="api",
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
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "payload", "query", "path")]
        errors.setdefault(".".join(loc) or "__all__", []).append(str(item.get("msg", "")))
    return _error(request, 422, "invalid", _("Please correct the errors below."), errors)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return _error(request, 401, "unauthenticated", _("Sign in or send a valid API token."))


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, 403, "forbidden", _("You do not have permission to do this."))


def _register_routers() -> None:
    from guanxi.activities.api import router as activities_router
    from guanxi.customers.api import router as customers_router
    from guanxi.org.api import router as org_router

    api.add_router("", customers_router)
    api.add_router("", activities_router)
    api.add_router("", org_router)


_register_routers()
