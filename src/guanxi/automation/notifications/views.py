"""Pages of the notification centre: my notifications (newest first, unread marked, "unread only"),
following one to its record, marking read; my settings: channels per kind, my own robots and URLs,
and the last deliveries with what went wrong."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.paging import Page, keyset_page

from . import selectors, services
from .forms import ChannelForm
from .registry import choosable_kinds, kind_label
from .rendering import local_target

PAGE_SIZE = 30
ORDERING = ["-id"]
RECENT_DELIVERIES = 20
READ_EVENT = "notifications-read"


def page(view: Callable) -> Callable:
    """Signed in; NotFound and Forbidden from below become the 404 and 403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return render(request, "notifications/error.html",
                          {"status": 404, "message": _("This page does not exist, or you cannot see it.")}, status=404)
        except Forbidden as exc:
            return render(request, "notifications/error.html", {"status": 403, "message": exc.message}, status=403)

    return wrapper


def _htmx_target(request) -> str:
    htmx = getattr(request, "htmx", None)
    return str(htmx.target or "") if htmx else ""


@require_GET
@page
def centre(request):
    actor = request.user
    unread_only = request.GET.get("unread") == "1"
    found: Page | None = None
    error = ""
    try:
        found = keyset_page(selectors.notification_list(actor=actor, unread_only=unread_only), ORDERING,
                            request.GET.get("cursor") or None, PAGE_SIZE)
    except DomainError as exc:
        error = str(exc.message)
    unread = selectors.unread_count(actor=actor, limit=selectors.BELL_LIMIT)
    context = {
        "rows": [(n, kind_label(n.kind)) for n in found.items] if found else [],
        "page": found, "error": error, "unread_only": unread_only,
        "unread": unread, "unread_label": selectors.bell_label(unread),
    }
    name = "notifications/centre.html"
    if _htmx_target(request) == "results" and not request.htmx.history_restore_request:
        name += "#results"
    response = render(request, name, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_GET
def bell(request):
    """The unread count inside the header's bell, fetched by HTMX; nothing for a signed-out visitor."""
    user = request.user
    if not user.is_authenticated:
        return HttpResponse(status=204)
    count = selectors.unread_count(actor=user, limit=selectors.BELL_LIMIT)
    response = render(request, "notifications/includes/bell_count.html",
                      {"count": count, "label": selectors.bell_label(count)})
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
@page
def open_notification(request, pk: int):
    """Marks the notification read and follows its link, when the link stays on this site."""
    notification = selectors.notification_get(actor=request.user, id=pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    return redirect(local_target(notification.url))


@require_POST
@page
def mark_read(request, pk: int):
    notification = selectors.notification_get(actor=request.user, id=pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if getattr(request, "htmx", None):
        response = render(request, "notifications/centre.html#item",
                          {"n": notification, "label": kind_label(notification.kind)})
        # The header's bell counts again.
        response["HX-Trigger"] = READ_EVENT
        return response
    return redirect("notifications:centre")


@require_POST
@page
def mark_all_read(request):
    count = services.notification_mark_all_read(actor=request.user)
    messages.success(request, ngettext("%(n)d notification marked as read.", "%(n)d notifications marked as read.",
                                       count) % {"n": count})
    return redirect("notifications:centre")


def _settings_context(request) -> dict:
    actor = request.user
    columns = selectors.channel_choices(actor=actor)
    rows = [{"kind": row.kind, "is_default": row.is_default,
             "cells": [(key, label, key in row.channels) for key, label in columns]}
            for row in selectors.preference_list(actor=actor)]
    deliveries = [(d, kind_label(d.kind)) for d in selectors.delivery_list(actor=actor)[:RECENT_DELIVERIES]]
    return {"columns": columns, "rows": rows, "channels": list(selectors.channel_list(actor=actor)),
            "deliveries": deliveries}


@require_http_methods(["GET", "POST"])
@page
def notification_settings(request):
    """Which kinds reach me where, my channels, and what was sent lately."""
    if request.method == "POST":
        choices = {kind.key: request.POST.getlist(f"kind:{kind.key}") for kind in choosable_kinds()}
        try:
            services.preferences_save(actor=request.user, choices=choices)
        except DomainError as exc:
            problems = [f"{kind_label(kind)}: {message}" for kind, msgs in exc.errors.items() for message in msgs]
            return render(request, "notifications/settings.html",
                          {**_settings_context(request), "error": str(exc.message), "problems": problems},
                          status=400)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", _settings_context(request))


@require_http_methods(["GET", "POST"])
@page
def channel_create(request):
    form = ChannelForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                channel = services.channel_create(actor=request.user, data=form.service_data())
            except DomainError as exc:
                form.show_errors(exc)
            else:
                messages.success(request, _("The channel “%(name)s” was added. Send it a test message to check it "
                                            "works.") % {"name": channel.name})
                return redirect("notifications:settings")
        return render(request, "notifications/channel_form.html", {"form": form}, status=400)
    return render(request, "notifications/channel_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@page
def channel_edit(request, pk: int):
    channel = selectors.channel_get(actor=request.user, id=pk)
    initial = {"kind": channel.kind, "name": channel.name, "url": channel.url, "is_active": channel.is_active}
    form = ChannelForm(request.POST or None, initial=initial, editing=True, has_secret=bool(channel.secret))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.channel_update(actor=request.user, channel=channel, data=form.service_data())
            except DomainError as exc:
                form.show_errors(exc)
            else:
                messages.success(request, _("The channel was saved."))
                return redirect("notifications:settings")
        return render(request, "notifications/channel_form.html", {"form": form, "channel": channel}, status=400)
    return render(request, "notifications/channel_form.html", {"form": form, "channel": channel})


@require_POST
@page
def channel_delete(request, pk: int):
    channel = selectors.channel_get(actor=request.user, id=pk)
    services.channel_delete(actor=request.user, channel=channel)
    messages.success(request, _("The channel was deleted."))
    return redirect("notifications:settings")


@require_POST
@page
def channel_test(request, pk: int):
    channel = selectors.channel_get(actor=request.user, id=pk)
    services.channel_send_test(actor=request.user, channel=channel)
    messages.success(request, _("A test message is on its way to “%(name)s”; its delivery is listed below.")
                     % {"name": channel.name})
    return redirect("notifications:settings")
