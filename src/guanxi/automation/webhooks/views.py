"""Webhook pages, for those who configure them: the list, create and edit with event checkboxes, and a
webhook's page with its secret, a test event and the delivery log (paged, with replay)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.permissions import require

from . import selectors, services
from .forms import SubscriptionForm
from .models import Subscription
from .registry import event_label, event_type_choices

MANAGE = selectors.MANAGE
LOG_PAGE = 25


def guarded(view: Callable) -> Callable:
    """Signed in and allowed to configure webhooks; NotFound and Forbidden become the 404 and 403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            require(request.user, MANAGE)
            return view(request, *args, **kwargs)
        except NotFound:
            return render(request, "webhooks/error.html",
                          {"status": 404, "message": _("This page does not exist, or you cannot see it.")}, status=404)
        except Forbidden:
            message = _("Only people whose role grants “%(right)s” may see and change webhooks.") % {
                "right": _("Configure webhooks")}
            return render(request, "webhooks/error.html", {"status": 403, "message": message}, status=403)

    return wrapper


def _choices(kept: list[str] | None = None) -> list[tuple[str, str]]:
    """The events on offer, plus any the subscription has that are no longer offered (so they stay ticked)."""
    choices = event_type_choices()
    offered = {key for key, _label in choices}
    return [*choices, *[(key, event_label(key)) for key in kept or [] if key not in offered]]


def _form_data(form: SubscriptionForm) -> dict:
    return {name: form.cleaned_data[name] for name in ("name", "target_url", "event_types", "is_active")}


@require_http_methods(["GET"])
@guarded
def webhook_list(request):
    rows = selectors.with_last_delivery(selectors.subscription_list(actor=request.user))
    return render(request, "webhooks/list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@guarded
def webhook_create(request):
    form = SubscriptionForm(request.POST or None, choices=_choices())
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.subscription_create(actor=request.user, data=_form_data(form))
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Webhook “%(name)s” was created. Its signing secret is shown below.") % {
                "name": subscription.name})
            return redirect("webhooks:detail", subscription.pk)
    return render(request, "webhooks/form.html", {"form": form, "subscription": None},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@guarded
def webhook_edit(request, pk: int):
    subscription = selectors.subscription_get(actor=request.user, id=pk)
    initial = {"name": subscription.name, "target_url": subscription.target_url,
               "event_types": subscription.event_types, "is_active": subscription.is_active}
    form = SubscriptionForm(request.POST or None, initial=initial, choices=_choices(subscription.event_types))
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_update(actor=request.user, subscription=subscription, data=_form_data(form))
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Webhook “%(name)s” was saved.") % {"name": subscription.name})
            return redirect("webhooks:detail", subscription.pk)
    return render(request, "webhooks/form.html", {"form": form, "subscription": subscription},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET"])
@guarded
def webhook_detail(request, pk: int):
    subscription = selectors.subscription_get(actor=request.user, id=pk)
    page, error = None, None
    try:
        page = selectors.delivery_page(actor=request.user, subscription=subscription,
                                       cursor=request.GET.get("cursor") or None, limit=LOG_PAGE)
    except DomainError as exc:
        error = exc
    rows = [(delivery, event_label(delivery.event_type)) for delivery in (page.items if page else [])]
    context = {"subscription": subscription, "page": page, "rows": rows, "error": error,
               "events": [event_label(e) for e in subscription.event_types]}
    htmx = getattr(request, "htmx", None)
    template = "webhooks/detail.html"
    if htmx and htmx.target == "results" and not htmx.history_restore_request:
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _back(subscription: Subscription):
    return redirect("webhooks:detail", subscription.pk)


@require_POST
@guarded
def webhook_delete(request, pk: int):
    subscription = selectors.subscription_get(actor=request.user, id=pk)
    name = subscription.name
    services.subscription_delete(actor=request.user, subscription=subscription)
    messages.success(request, _("Webhook “%(name)s” was deleted.") % {"name": name})
    return redirect("webhooks:list")


@require_POST
@guarded
def webhook_secret(request, pk: int):
    subscription = selectors.subscription_get(actor=request.user, id=pk)
    services.subscription_regenerate_secret(actor=request.user, subscription=subscription)
    messages.success(request, _("A new signing secret was made; the old one no longer works. Give the new one "
                                "to the receiver."))
    return _back(subscription)


@require_POST
@guarded
def webhook_test(request, pk: int):
    subscription = selectors.subscription_get(actor=request.user, id=pk)
    services.webhook_send_test(actor=request.user, subscription=subscription)
    messages.success(request, _("A test event was queued; its delivery appears in the log below."))
    return _back(subscription)


@require_POST
@guarded
def delivery_replay(request, pk: int):
    delivery = selectors.delivery_get(actor=request.user, id=pk)
    try:
        services.delivery_replay(actor=request.user, delivery=delivery)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The delivery was queued again as a new delivery."))
    return _back(delivery.subscription)
