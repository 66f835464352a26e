"""The daily digest's page (whether and when the signed-in person gets it) and the admins' limits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanxi.core.errors import DomainError
from guanxi.core.forms import form_errors
from guanxi.customers.views.common import error_page

from . import services
from .forms import DigestForm, ReminderSettingsForm
from .models import ReminderSettings


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
                form_errors(form, exc)
            else:
                messages.success(request, _("Your daily digest settings were saved."))
                return redirect("reminders:digest")
        status = 400
    return render(request, "reminders/digest.html", {"form": form, "digest": current}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    """Days without contact by grade, days ahead for contracts and instalments: admins with
    automation.manage_reminders."""
    if not request.user.has_action(services.MANAGE):
        return error_page(request, 403)
    current = services.reminder_settings()
    fields = [ReminderSettings._meta.get_field(name) for name in services.LIMIT_FIELDS]
    form = ReminderSettingsForm(request.POST or None, fields=fields,
                                initial={f.name: getattr(current, f.name) for f in fields})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reminder_settings_update(actor=request.user, data=form.cleaned_data)
            except DomainError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("The reminder settings were saved."))
                return redirect("reminders:settings")
        status = 400
    return render(request, "reminders/settings.html", {"form": form}, status=status)
