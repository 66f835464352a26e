"""Every write of the organisation app: departments, roles, users, tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanxi.core import audit
from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.permissions import is_known_action, require
from guanxi.core.scopes import DataScope
from guanxi.core.text import normalise_phone

from . import errors
from .models import ApiToken, Department, Role, SavedView, User

TOKEN_PREFIX = "gx_"


def _validated(obj, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise DomainError.from_validation(exc) from None


# -- departments --


def _set_path(department: Department) -> None:
    parent_path = department.parent.path if department.parent is not None else ""
    department.path = parent_path + Department.path_segment(department.pk)
    department.depth = department.path.count(".") - 1


def department_create(*, actor, name: str, parent: Department | None = None, position: int = 0) -> Department:
    require(actor, "org.manage_departments")
    department = Department(name=(name or "").strip(), parent=parent, position=position)
    _validated(department, exclude=["path"])
    with transaction.atomic():
        department.save()
        _set_path(department)
        department.save(update_fields=["path", "depth"])
        audit.record(actor, "department.created", department, {"name": [None, department.name]})
    return department


def department_update(*, actor, department: Department, name: str, parent: Department | None,
                      position: int = 0) -> Department:
    require(actor, "org.manage_departments")
    if parent is not None and (parent.pk == department.pk or parent.path.startswith(department.path)):
        raise DomainError(errors.DEPARTMENT_CYCLE, _("A department cannot be placed under itself."),
                          {"parent": [_("A department cannot be placed under itself.")]})
    before = audit.snapshot(department, ["name", "parent", "position"])
    old_path = department.path
    department.name, department.parent, department.position = (name or "").strip(), parent, position
    _validated(department, exclude=["path"])
    with transaction.atomic():
        _set_path(department)
        department.save(update_fields=["name", "parent", "position", "path", "depth"])
        if department.path != old_path:
            # Move the whole subtree: every descendant's path starts with the old path.
            for child in Department.objects.filter(path__startswith=old_path).exclude(pk=department.pk):
                child.path = department.path + child.path[len(old_path):]
                child.depth = child.path.count(".") - 1
                child.save(update_fields=["path", "depth"])
        audit.record(actor, "department.updated", department,
                     audit.diff(before, audit.snapshot(department, ["name", "parent", "position"])))
    return department


def department_delete(*, actor, department: Department) -> None:
    require(actor, "org.manage_departments")
    if department.children.exists() or department.members.exists():
        raise DomainError(errors.DEPARTMENT_NOT_EMPTY,
                          _("Move this department's members and sub-departments elsewhere first."))
    with transaction.atomic():
        audit.record(actor, "department.deleted", department)
        department.delete()


# -- roles --


def _clean_grants(actions: list[str], scopes: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    bad = [a for a in actions if not is_known_action(a)]
    bad_scopes = [m for m, s in scopes.items() if s not in DataScope.values]
    field_errors: dict[str, list[str]] = {}
    if bad:
        field_errors["actions"] = [_("Unknown action: %(codes)s") % {"codes": ", ".join(bad)}]
    if bad_scopes:
        field_errors["scopes"] = [_("Unknown data scope for: %(modules)s") % {"modules": ", ".join(bad_scopes)}]
    if field_errors:
        raise DomainError(errors.UNKNOWN_ACTION, _("Please correct the errors below."), field_errors)
    return sorted(set(actions)), {m: s for m, s in scopes.items() if s}


def role_save(*, actor, role: Role | None = None, name: str, description: str = "",
              actions: list[str], scopes: dict[str, str], require_2fa: bool = False) -> Role:
    """Create a role, or update `role`."""
    require(actor, "org.manage_roles")
    actions, scopes = _clean_grants(actions, scopes)
    creating = role is None
    role = role or Role()
    fields = ["name", "description", "actions", "scopes", "require_2fa"]
    before = {} if creating else audit.snapshot(role, fields)
    role.name, role.description = (name or "").strip(), description.strip()
    role.actions, role.scopes, role.require_2fa = actions, scopes, require_2fa
    _validated(role)
    with transaction.atomic():
        role.save()
        audit.record(actor, "role.created" if creating else "role.updated", role,
                     audit.diff(before, audit.snapshot(role, fields)))
    return role


def role_delete(*, actor, role: Role) -> None:
    require(actor, "org.manage_roles")
    with transaction.atomic():
        audit.record(actor, "role.deleted", role)
        role.delete()


# -- users --

USER_FIELDS = ["username", "display_name", "email", "phone", "department", "manager", "is_superuser"]


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("invalid", _("Please correct the errors below."), {"password": list(exc.messages)}) from None


def _check_phone(phone: str) -> None:
    if phone.strip() and normalise_phone(phone.strip()) is None:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"phone": [_("Enter a valid phone number.")]})


def user_create(*, actor, username: str, password: str, display_name: str = "", email: str = "",
                phone: str = "", department: Department | None = None, manager: User | None = None,
                roles: list[Role] | None = None, is_superuser: bool = False,
                check_password: bool = True) -> User:
    require(actor, "org.manage_users")
    if is_superuser and not getattr(actor, "is_superuser", False):
        raise DomainError("forbidden", _("Only an administrator can create another administrator."))
    username = (username or "").strip()
    _check_phone(phone or "")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(errors.USERNAME_TAKEN, _("This user name is taken."),
                          {"username": [_("This user name is taken.")]})
    user = User(username=username, display_name=display_name.strip(), email=email.strip(), phone=phone.strip(),
                department=department, manager=manager, is_superuser=is_superuser, is_staff=is_superuser)
    if check_password:
        _check_password(password, user)
    user.set_password(password)
    _validated(user, exclude=["password"])
    with transaction.atomic():
        user.save()
        if roles:
            user.roles.set(roles)
        audit.record(actor, "user.created", user, audit.diff({}, audit.snapshot(user, USER_FIELDS)))
    return user


def user_update(*, actor, user: User, data: dict[str, Any], roles: list[Role] | None = None) -> User:
    require(actor, "org.manage_users")
    allowed = {"display_name", "email", "phone", "department", "manager", "language", "time_zone"}
    unknown = set(data) - allowed
    if unknown:
        raise DomainError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if data.get("manager") is not None and data["manager"].pk == user.pk:
        raise DomainError("invalid", _("A user cannot be their own manager."),
                          {"manager": [_("A user cannot be their own manager.")]})
    if data.get("manager") is not None and data["manager"].pk in user.subordinate_ids():
        raise DomainError("invalid", _("This person reports to this user already."),
                          {"manager": [_("This person reports to this user already.")]})
    if isinstance(data.get("phone"), str):
        _check_phone(data["phone"])
    before = audit.snapshot(user, USER_FIELDS)
    before_roles = sorted(r.name for r in user.roles.all())
    for key, value in data.items():
        setattr(user, key, value.strip() if isinstance(value, str) else value)
    _validated(user, exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=list(data) or None)
        changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
        if roles is not None:
            user.roles.set(roles)
            after_roles = sorted(r.name for r in roles)
            if after_roles != before_roles:
                changes["roles"] = [before_roles, after_roles]
        audit.record(actor, "user.updated", user, changes)
    return user


def user_set_password(*, actor, user: User, password: str, old_password: str | None = None) -> None:
    """A user changes their own password (knowing the old one); an admin resets anyone's."""
    if getattr(actor, "pk", None) != user.pk:
        require(actor, "org.manage_users")
    elif old_password is not None and not user.check_password(old_password):
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"old_password": [_("Your old password was entered incorrectly.")]})
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor, "user.password_changed", user)


def user_deactivate(*, actor, user: User) -> User:
    """Ends the user's access at once: sessions stop authenticating, tokens are revoked.

    Their customers stay theirs until someone transfers them in bulk.
    """
    require(actor, "org.manage_users")
    if getattr(actor, "pk", None) == user.pk:
        raise DomainError("invalid", _("You cannot deactivate yourself."))
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit.record(actor, "user.deactivated", user, {"is_active": [True, False]}, extra={"tokens_revoked": revoked})
    _end_sessions(user)
    return user


def user_reactivate(*, actor, user: User) -> User:
    require(actor, "org.manage_users")
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit.record(actor, "user.reactivated", user, {"is_active": [False, True]})
    return user


def _end_sessions(user: User) -> None:
    """Database sessions of the user are deleted; any session (also cached ones) of an inactive
    user no longer authenticates, because the auth backend refuses inactive users."""
    from django.conf import settings
    from django.contrib.sessions.models import Session

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    stale = [s.pk for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
             if s.get_decoded().get("_auth_user_id") == str(user.pk)]
    Session.objects.filter(pk__in=stale).delete()


def user_set_preferences(*, actor, language: str | None = None, time_zone: str | None = None) -> User:
    """Anyone may choose their own language and time zone."""
    import zoneinfo

    from django.conf import settings

    user = actor
    fields = []
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise DomainError("invalid", _("Unknown language."), {"language": [_("Unknown language.")]})
        user.language = language
        fields.append("language")
    if time_zone is not None:
        if time_zone and time_zone not in zoneinfo.available_timezones():
            raise DomainError("invalid", _("Unknown time zone."), {"time_zone": [_("Unknown time zone.")]})
        user.time_zone = time_zone
        fields.append("time_zone")
    if fields:
        user.save(update_fields=fields)
    return user


# -- two-factor sign-in (TOTP) --


def two_factor_device(*, user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_begin(*, actor, restart: bool = False) -> TOTPDevice:
    """The actor's unconfirmed authenticator secret (a new one when none is pending or `restart`);
    it counts only once confirmed with a code."""
    if not getattr(actor, "pk", None) or not actor.is_active:
        raise Forbidden()
    pending = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if pending is not None and not restart:
        return pending
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        return TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)


def _code_errors(message) -> DomainError:
    return DomainError("invalid_code", _("Please correct the errors below."), {"token": [message]})


def _clean_code(token: str) -> str:
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit() or len(token) not in (6, 8):
        raise _code_errors(_("Enter the 6-digit code from your authenticator app."))
    return token


def two_factor_confirm(*, actor, device: TOTPDevice, token: str) -> TOTPDevice:
    """Turn two-factor sign-in on once the actor proves their app produces the right codes."""
    if device.user_id != getattr(actor, "pk", None) or device.confirmed:
        raise NotFound()
    token = _clean_code(token)
    if not device.verify_token(token):
        raise _code_errors(_("This code is not right. Check the time on your phone and try the newest code."))
    with transaction.atomic():
        # One authenticator per person: a new enrolment replaces the old one.
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(actor, "user.two_factor_enabled", actor)
    return device


def two_factor_verify(*, user: User, token: str) -> TOTPDevice:
    """The second sign-in step: the user's device when `token` is a current code, else DomainError."""
    token = _clean_code(token)
    device = two_factor_device(user=user)
    if device is None or not user.is_active:
        raise _code_errors(_("This code is not right."))
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        raise _code_errors(_("Too many wrong codes. Wait a moment, then enter the newest code."))
    if not device.verify_token(token):
        raise _code_errors(_("This code is not right."))
    return device


def two_factor_disable(*, actor, user: User, password: str | None = None) -> None:
    """A user turns their own two-factor sign-in off (confirming their password); an admin resets anyone's."""
    own = getattr(actor, "pk", None) == user.pk
    if not own:
        require(actor, "org.manage_users")
    else:
        if user.requires_2fa:
            raise DomainError("invalid", _("Your role requires two-factor sign-in, so it cannot be turned off."))
        if password is None or not user.check_password(password):
            raise DomainError("invalid", _("Please correct the errors below."),
                              {"password": [_("Your password was entered incorrectly.")]})
    with transaction.atomic():
        removed, _counts = TOTPDevice.objects.filter(user=user).delete()
        if removed:
            audit.record(actor, "user.two_factor_disabled", user)


# -- API tokens --


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, actor, user: User, name: str, expires_in_days: int | None = 90) -> tuple[ApiToken, str]:
    """Returns the token and its secret; the secret is never stored and cannot be shown again."""
    if getattr(actor, "pk", None) != user.pk:
        require(actor, "org.manage_users")
    if not user.is_active:
        raise DomainError("invalid", _("This user is deactivated."))
    name = (name or "").strip()
    if not name:
        raise DomainError("invalid", _("Please correct the errors below."), {"name": [_("This field is required.")]})
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"expires_in_days": [_("Choose between 1 and 3650 days.")]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(user=user, name=name[:80], prefix=secret[:10], key_hash=_hash(secret), expires_at=expires_at)
    with transaction.atomic():
        token.save()
        audit.record(actor, "token.created", token, timeline=user, extra={"user": user.username})
    return token, secret


def token_revoke(*, actor, token: ApiToken) -> None:
    if getattr(actor, "pk", None) != token.user_id:
        require(actor, "org.manage_users")
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            audit.record(actor, "token.revoked", token, timeline=token.user)


def token_authenticate(secret: str) -> User | None:
    """The active user a bearer secret belongs to, or None; marks the token used."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(secret)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# -- saved views --


def saved_view_save(*, actor, entity: str, name: str, query: str) -> SavedView:
    name = (name or "").strip()
    if not name:
        raise DomainError("invalid", _("Please correct the errors below."), {"name": [_("This field is required.")]})
    if len(query) > 2000:
        raise DomainError("invalid", _("This view has too many filters to save."))
    view, _created = SavedView.objects.update_or_create(
        user=actor, entity=entity, name=name[:80], defaults={"query": query}
    )
    return view


def saved_view_delete(*, actor, view: SavedView) -> None:
    SavedView.objects.filter(pk=view.pk, user=actor).delete()
