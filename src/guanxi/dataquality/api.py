"""REST API of the collision check: look before saving, with the same rules as saving."""

from __future__ import annotations

from django.utils.translation import gettext
from ninja import Query, Router

from guanxi.core.api_schemas import errors
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.errors import DomainError, Forbidden

from .collisions import check_actions, find_collisions
from .normalise import normalise_email, phone_key
from .schemas import DuplicateCheckOut, DuplicateQuery
from .selectors import collision_mode

router = Router()


def _can_check(actor) -> None:
    """Whoever may enter a customer, contact or lead (in any scope) may look before saving one."""
    if not any(actor.has_action(action) for action in sorted(check_actions())):
        raise Forbidden()


def _validate(query: DuplicateQuery) -> None:
    field_errors: dict[str, list[str]] = {}
    if query.phone.strip() and not phone_key(query.phone):
        field_errors["phone"] = [gettext("Enter a valid phone number, e.g. 13812345678 or +86 10 8888 6666.")]
    if query.email.strip() and not normalise_email(query.email):
        field_errors["email"] = [gettext("Enter a valid email address, e.g. name@example.com.")]
    if field_errors:
        raise DomainError("invalid", gettext("Please correct the errors below."), field_errors)
    if not (query.name.strip() or query.phone.strip() or query.email.strip()):
        raise DomainError("invalid", gettext("Give a name, a phone or an email to check."))


@router.get("/duplicates/check", response={200: DuplicateCheckOut, **errors(400, 403, 422)}, tags=["duplicates"],
            summary=_("Check for possible duplicates"))
def check_duplicates(request, query: Query[DuplicateQuery]):
    """Customers, contacts and leads anywhere in the CRM with the same company name (in any of its
    usual forms: 深圳市腾远电子科技有限公司 = 腾远电子科技（深圳）有限公司), phone or email. A match
    outside your data scope tells only who follows it; saving the record would answer 409
    `possible_duplicate` with the same matches."""
    _can_check(request.auth)
    _validate(query)
    matches = find_collisions(actor=request.auth, name=query.name, phone=query.phone, email=query.email)
    return {"mode": collision_mode(), "matches": matches}
