"""REST API of the daily digest: whether and when the caller gets it."""

from __future__ import annotations

from ninja import Router

from guanxi.core.api_schemas import errors
from guanxi.core.api_schemas import lazy_text as _

from . import services
from .schemas import DigestIn, DigestOut

router = Router(tags=["reminders"])


@router.get("/reminders/digest", response={200: DigestOut, **errors()}, summary=_("Get my daily digest settings"))
def get_digest(request):
    return services.digest_get(actor=request.auth)


@router.put("/reminders/digest", response={200: DigestOut, **errors(400, 422)},
            summary=_("Change my daily digest settings"))
def put_digest(request, body: DigestIn):
    """`at` is a time on the quarter hour (08:30), in the company's time zone."""
    return services.digest_update(actor=request.auth, enabled=body.enabled, at=body.at)
