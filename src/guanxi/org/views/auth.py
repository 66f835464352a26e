"""Sign-in (password, then an authenticator code for those who enrolled one), sign-out, lockout,
and changing one's own password."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from guanxi.core.errors import DomainError

from .. import services
from ..forms import PasswordChangeForm, SignInForm, TwoFactorCodeForm
from ..models import User
from .common import show_error

# The password step passed; the code step is pending. Kept in the session only briefly.
PENDING_KEY = "guanxi_2fa_pending"
PENDING_SECONDS = 300


class GuanxiLoginView(LoginView):
    template_name = "org/login.html"
    redirect_authenticated_user = True
    authentication_form = SignInForm

    def form_valid(self, form):
        user = form.get_user()
        if services.two_factor_device(user=user) is None:
            return super().form_valid(form)
        # Not signed in yet: sign-in (and its audit event) happens after the code step.
        self.request.session[PENDING_KEY] = {
            "user": user.pk, "backend": user.backend, "at": time.time(), "next": self.get_redirect_url(),
        }
        return redirect("org:login_verify")


login_view = GuanxiLoginView.as_view()


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return "/"


def _pending(request) -> tuple[User, str, str] | None:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=int(data.get("user") or 0), is_active=True).first()
    if user is None:
        return None
    return user, str(data.get("backend", "")), str(data.get("next", ""))


@never_cache
@sensitive_post_parameters("token")
def login_verify(request):
    """The second sign-in step; also verifies an already signed-in session that must use two factors."""
    pending = _pending(request)
    if pending is not None:
        user, backend, next_url = pending
    elif request.user.is_authenticated and not request.user.is_verified():
        user, backend, next_url = request.user, "", request.GET.get("next", "")
        if services.two_factor_device(user=user) is None:
            return redirect("org:two_factor_enrol")
    else:
        return redirect("org:login")

    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.username}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.session.pop(PENDING_KEY, None)
            return locked_out(request)
        try:
            device = services.two_factor_verify(user=user, token=form.cleaned_data["token"])
        except DomainError as exc:
            # A wrong code counts as a failed sign-in: audited, and towards the lockout.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            show_error(form, exc)
        else:
            if pending is not None:
                request.session.pop(PENDING_KEY, None)
                user.otp_device = device  # type: ignore[attr-defined]  # django-otp verifies the new session
                auth_login(request, user, backend=backend or None)
            else:
                otp_login(request, device)
            return redirect(_safe_next(request, next_url))
    return render(request, "org/login_verify.html", {"form": form, "pending_user": user})


def admin_login(request):
    """Send the Django admin's own sign-in page to ours, so nobody skips the code step there."""
    query = urlencode({"next": request.GET.get("next", "/django-admin/")})
    return redirect(f"{reverse('org:login')}?{query}")


@require_POST
def logout_view(request):
    logout(request)
    return redirect("org:login")


def locked_out(request, original_response=None, credentials=None, *args, **kwargs):
    """Shown by django-axes after too many failed sign-ins."""
    return render(request, "org/locked_out.html", status=429)


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(actor=request.user, user=request.user,
                                       password=form.cleaned_data["new_password1"],
                                       old_password=form.cleaned_data["old_password"])
        except DomainError as exc:
            if "password" in exc.errors:
                exc.errors["new_password1"] = exc.errors.pop("password")
            show_error(form, exc)
        else:
            # Other sessions of this user end (their stored password hash no longer matches); this one stays.
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("org:profile")
    return render(request, "org/password_change.html", {"form": form})
