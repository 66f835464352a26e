"""The daily digest's page: whether and when the signed-in person gets it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanxi.core.errors import DomainError

from . import services
from .forms import DigestForm


@login_required
@require_http_methods(["GET", "POST"])
def digest(request):
    current = services.digest_get(actor=request.user)
    initial = {"enabled": current.enabled, "at": current.at.strftime("%H:%M")}
    form = DigestForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.digest_update(actor=request.user, enabled=form.cleaned_data["enabled"],
                                       at=form.cleaned_data["at"])
            except DomainError as exc:
                for field, problems in exc.errors.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                messages.success(request, _("Your daily digest settings were saved."))
                return redirect("reminders:digest")
        status = 400
    return render(request, "reminders/digest.html", {"form": form, "digest": current}, status=status)
