"""The collision check's settings page (防撞单设置): warn or block, and a try-out of the check."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError, Forbidden
from guanxi.core.forms import form_errors
from guanxi.core.permissions import require

from . import selectors, services
from .collisions import find_collisions
from .forms import CollisionPolicyForm, CollisionTryForm
from .normalise import company_name_key, normalise_email, phone_key


def _managers_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            require(request.user, "dataquality.manage")
        except Forbidden as exc:
            return render(request, "dataquality/error.html", {"message": exc.message}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _try_out(request) -> dict:
    """The check run with what the admin typed: the keys it compares, and what it finds."""
    form = CollisionTryForm(request.GET or None)
    if not form.is_bound or not form.is_valid():
        return {"try_form": form}
    name, phone, email = (form.cleaned_data[f].strip() for f in ("name", "phone", "email"))
    keys = [(_("Company name"), name, company_name_key(name)) if name else None,
            (_("Phone"), phone, phone_key(phone)) if phone else None,
            (_("Email"), email, normalise_email(email)) if email else None]
    return {
        "try_form": form,
        "keys": [k for k in keys if k],
        "matches": find_collisions(actor=request.user, name=name, phone=phone, email=email),
    }


@_managers_only
def collision_settings(request):
    policy = selectors.collision_policy()
    form = CollisionPolicyForm(request.POST or None, initial={"mode": policy.mode})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.collision_policy_set(actor=request.user, mode=form.cleaned_data["mode"])
            except DomainError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Duplicate check settings saved."))
                return redirect("dataquality:settings")
        status = 400
    return render(request, "dataquality/settings.html", {"form": form, "policy": policy, **_try_out(request)},
                  status=status)
