"""Per-user language and time zone, and compulsory two-factor sign-in for roles that require it."""

import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _


class UserPreferencesMiddleware:
    """A signed-in user's chosen language beats the browser's; their time zone formats times."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language and user.language in dict(settings.LANGUAGES):
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        response = self.get_response(request)
        timezone.deactivate()
        return response


class TwoFactorRequiredMiddleware:
    """A user whose role requires two-factor sign-in and whose session is not verified gets nothing
    but the way to verify: enrolment if they have no authenticator yet, the code step otherwise.

    Must come after django-otp's OTPMiddleware, which tells whether the session is verified.
    """

    OPEN_PREFIXES = ("/static/", "/media/", "/healthz", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def _open_paths(self) -> tuple[str, ...]:
        names = ("org:two_factor_enrol", "org:login_verify", "org:logout", "org:login")
        return (*self.OPEN_PREFIXES, *(reverse(name) for name in names))

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.requires_2fa
                and not user.is_verified() and not request.path.startswith(self._open_paths())):
            return self._refuse(request, user)
        return self.get_response(request)

    def _refuse(self, request, user):
        from django_otp import user_has_device

        if request.path.startswith("/api/"):
            message = _("Your role requires two-factor sign-in. Verify this session in the browser first.")
            return JsonResponse({"code": "two_factor_required", "message": message, "errors": {}}, status=403)
        target = "org:login_verify" if user_has_device(user) else "org:two_factor_enrol"
        next_url = request.get_full_path() if request.method == "GET" else "/"
        return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
