"""The signed-in user's own page: preferences, two-factor sign-in and personal API tokens."""

from __future__ import annotations

import base64
import re

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from guanxi.core.errors import DomainError, NotFound

from .. import selectors, services
from ..forms import PreferencesForm, TokenCreateForm, TwoFactorCodeForm, TwoFactorDisableForm
from .common import show_error


def _profile_context(request, **extra) -> dict:
    user = request.user
    context = {
        "roles": list(user.roles.all()),
        "device": services.two_factor_device(user=user),
        "tokens": list(selectors.token_list(actor=user, user=user)),
        "preferences_form": PreferencesForm(initial={"language": user.language, "time_zone": user.time_zone}),
        "token_form": TokenCreateForm(),
        "disable_form": TwoFactorDisableForm(),
    }
    context.update(extra)
    return context


@login_required
@never_cache
def profile(request):
    return render(request, "org/profile.html", _profile_context(request))


@login_required
@require_POST
def preferences(request):
    form = PreferencesForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_preferences(actor=request.user, language=form.cleaned_data["language"],
                                          time_zone=form.cleaned_data["time_zone"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Your preferences were saved."))
            return redirect("org:profile")
    return render(request, "org/profile.html", _profile_context(request, preferences_form=form), status=400)


@login_required
@require_POST
@never_cache
def token_create(request):
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = services.token_create(actor=request.user, user=request.user,
                                                  name=form.cleaned_data["name"],
                                                  expires_in_days=form.cleaned_data["expires_in_days"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            # The secret is shown in this response only; it is stored nowhere but as a hash.
            return render(request, "org/profile.html",
                          _profile_context(request, new_token=token, new_secret=secret))
    return render(request, "org/profile.html", _profile_context(request, token_form=form), status=400)


@login_required
@require_POST
def token_revoke(request, id: int):
    try:
        token = selectors.token_get(actor=request.user, id=id)
        if token.user_id != request.user.pk:
            raise NotFound()
        services.token_revoke(actor=request.user, token=token)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The token “%(name)s” was revoked; it no longer works.") % {"name": token.name})
    return redirect("org:profile")


def qr_svg(data: str) -> str:
    """An inline SVG QR code (no script, no external image), sized by CSS rather than millimetres."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return re.sub(r'width="[^"]*" height="[^"]*"', 'width="220" height="220" role="img"', svg, count=1)


def _grouped_secret(device) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@login_required
@never_cache
def two_factor_enrol(request):
    """Scan the QR code (or type the secret) into an authenticator app, then confirm with a code."""
    device = services.two_factor_begin(actor=request.user, restart=request.GET.get("restart") == "1")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_confirm(actor=request.user, device=device, token=form.cleaned_data["token"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            otp_login(request, device)  # this session is now verified; no need to sign in again
            messages.success(request, _("Two-factor sign-in is on. From now on you enter a code after your password."))
            next_url = request.GET.get("next", "")
            if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect("org:profile")
    context = {
        "form": form,
        "qr": mark_safe(qr_svg(device.config_url)),  # generated SVG paths only; the user name is encoded, not echoed
        "secret": _grouped_secret(device),
        "config_url": device.config_url,
        "has_device": services.two_factor_device(user=request.user) is not None,
        "required": request.user.requires_2fa,
    }
    return render(request, "org/two_factor_enrol.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def two_factor_disable(request):
    form = TwoFactorDisableForm(request.POST)
    if form.is_valid():
        try:
            services.two_factor_disable(actor=request.user, user=request.user, password=form.cleaned_data["password"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("org:profile")
    return render(request, "org/profile.html", _profile_context(request, disable_form=form), status=400)


@require_POST
def switch_language(request):
    """The header's language switch: remembered on the signed-in user's profile (so it follows
    them to other devices and beats the browser's wish), and in the language cookie."""
    from django.views.i18n import set_language

    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        try:
            services.user_set_preferences(actor=request.user, language=language)
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return set_language(request)
