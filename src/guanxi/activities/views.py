"""Pages of follow-ups (跟进记录): the recent list, logging one from the customer page, editing
one's own, attachments, and the timeline section of the customer page."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError, NotFound
from guanxi.core.paging import keyset_page
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.views.common import PAGE_SIZE, error_page, guarded, render_listing

from . import selectors, services
from .choices import FollowUpKind
from .forms import FollowUpForm
from .models import FollowUp

ORDERING = ["-occurred_at", "-id"]


def can_change(actor, follow_up: FollowUp, action: str) -> bool:
    """The same rule the services apply: authors change their own, others need `action`."""
    if follow_up.author_id is not None and follow_up.author_id == actor.pk:
        return actor.has_action("activities.create")
    return actor.has_action(action)


def _contacts(actor, customer):
    return customer_selectors.customer_contacts(actor=actor, customer=customer)


def customer_section(request, customer) -> dict:
    """The follow-up form and the one timeline of follow-ups and changes on the customer page."""
    actor = request.user
    timeline = selectors.customer_timeline(actor=actor, customer=customer)
    follow_ups = [e.item for e in timeline if e.kind == "follow_up"]
    return {
        "customer": customer,
        "timeline": timeline,
        "can_log": actor.has_action("activities.create"),
        "editable": {f.pk for f in follow_ups if can_change(actor, f, "activities.edit")},
        "deletable": {f.pk for f in follow_ups if can_change(actor, f, "activities.delete")},
    }


@guarded("activities.view")
def follow_up_list(request):
    actor = request.user
    follow_ups = selectors.follow_up_list(actor=actor)
    kind = request.GET.get("kind", "")
    author = request.GET.get("author", "")
    error = None
    if kind and kind not in FollowUpKind.values:
        error = _("This kind of follow-up does not exist.")
    elif kind:
        follow_ups = follow_ups.filter(kind=kind)
    if author and not author.isdigit():
        error = _("Choose an author from the list.")
    elif author:
        follow_ups = follow_ups.filter(author_id=int(author))
    page = None
    if error is None:
        try:
            page = keyset_page(follow_ups, ORDERING, request.GET.get("cursor") or None, PAGE_SIZE)
        except DomainError as exc:
            error = str(exc.message)
    items = page.items if page else []
    context = {
        "page": page,
        "items": items,
        "error": error,
        "kinds": FollowUpKind.choices,
        "authors": list(customer_selectors.customer_owner_choices(actor=actor)),
        "kind": kind,
        "author": author,
        "editable": {f.pk for f in items if can_change(actor, f, "activities.edit")},
        "deletable": {f.pk for f in items if can_change(actor, f, "activities.delete")},
    }
    return render_listing(request, "activities/follow_up_list.html", context)


@guarded("activities.create")
def follow_up_create(request, customer_id: int):
    actor = request.user
    customer = customer_selectors.customer_get(actor=actor, id=customer_id)
    form = FollowUpForm(request.POST or None, request.FILES or None, contacts=_contacts(actor, customer), prefix="fu")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.follow_up_create(actor=actor, customer=customer, data=form.follow_up_data(),
                                          files=form.cleaned_data.get("attachments") or [])
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Follow-up logged."))
                return redirect(reverse("customers:detail", args=[customer.pk]) + "#timeline")
    context = {"form": form, "customer": customer, "creating": True}
    htmx = getattr(request, "htmx", None)
    if request.method == "GET" and htmx and htmx.target == "follow-up-form-slot":
        # The customer page asked for the form to put in its place.
        return render(request, "activities/includes/follow_up_fields.html", context)
    return render(request, "activities/follow_up_form.html", context, status=status)


@guarded("activities.view")
def follow_up_edit(request, pk: int):
    actor = request.user
    follow_up = selectors.follow_up_get(actor=actor, id=pk)
    if not can_change(actor, follow_up, "activities.edit"):
        return error_page(request, 403)
    customer = follow_up.customer
    initial = {"kind": follow_up.kind, "content": follow_up.content, "occurred_at": follow_up.occurred_at,
               "next_follow_up_at": follow_up.next_follow_up_at, "contact": follow_up.contact_id}
    form = FollowUpForm(request.POST or None, contacts=_contacts(actor, customer), with_files=False,
                        initial=initial, prefix="fu")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.follow_up_update(actor=actor, follow_up=follow_up, data=form.follow_up_data())
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Follow-up saved."))
                return redirect(reverse("customers:detail", args=[customer.pk]) + "#timeline")
    return render(request, "activities/follow_up_form.html",
                  {"form": form, "customer": customer, "follow_up": follow_up,
                   "can_delete": can_change(actor, follow_up, "activities.delete")}, status=status)


@require_POST
@guarded("activities.view")
def follow_up_delete(request, pk: int):
    actor = request.user
    follow_up = selectors.follow_up_get(actor=actor, id=pk)
    customer_id = follow_up.customer_id
    services.follow_up_delete(actor=actor, follow_up=follow_up)
    messages.success(request, _("Follow-up deleted."))
    if request.POST.get("next") == "list":
        return redirect("activities:list")
    return redirect(reverse("customers:detail", args=[customer_id]) + "#timeline")


@guarded("activities.view")
def attachment_download(request, pk: int):
    """Files are served only through this check, never from a public media URL."""
    attachment = selectors.attachment_get(actor=request.user, id=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound() from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)
