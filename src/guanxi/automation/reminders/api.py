"""REST API of reminders: whether and when the caller gets the daily digest; the company's limits."""

from __future__ import annotations

from ninja import Router

from guanxi.core.api_schemas import errors
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.permissions import require

from . import services
from .schemas import DigestIn, DigestOut, ReminderSettingsOut, ReminderSettingsPatch

router = Router(tags=["reminders"])


@router.get("/reminders/digest", response={200: DigestOut, **errors()}, summary=_("Get my daily digest settings"))
def get_digest(request):
    return services.digest_get(actor=request.auth)


@router.put("/reminders/digest", response={200: DigestOut, **errors(400, 422)},
            summary=_("Change my daily digest settings"))
def put_digest(request, body: DigestIn):
    """`at` is a time on the quarter hour (08:30), in the company's time zone."""
    return services.digest_update(actor=request.auth, enabled=body.enabled, at=body.at)


@router.get("/reminder-settings", response={200: ReminderSettingsOut, **errors(403)},
            summary=_("Get the reminder limits"))
def get_settings(request):
    require(request.auth, services.MANAGE)
    return services.reminder_settings()


@router.patch("/reminder-settings", response={200: ReminderSettingsOut, **errors(400, 403, 422)},
              summary=_("Change the reminder limits"))
def patch_settings(request, body: ReminderSettingsPatch):
    """Days, from 1 to 1000: without contact by grade before the owner is reminded, and ahead of a
    contract's end or an instalment's due date."""
    data = body.dict(exclude_unset=True)
    return services.reminder_settings_update(actor=request.auth, data=data)
