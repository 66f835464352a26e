"""The customer list: filters, sort, keyset paging, saved views and bulk actions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.models import CustomFieldDefinition, CustomFieldKind
from guanxi.org import services as org_services

from .. import masking, selectors, services
from ..choices import CustomerGrade, CustomerSource, CustomerStatus, Industry
from ..filters import CUSTOM_PREFIX, CustomerFilters
from ..forms import BulkActionForm, SavedViewForm
from ..models import Customer
from ..search import is_name_search
from .common import PAGE_SIZE, back_to, count_label, guarded, render_listing

CUSTOM_COLUMNS = 3
SORT_LABELS = {
    "-created": gettext_lazy("Newest first"),
    "created": gettext_lazy("Oldest first"),
    "name": gettext_lazy("Name A → Z"),
    "-name": gettext_lazy("Name Z → A"),
    "-updated": gettext_lazy("Recently updated"),
}
# The parameters a saved view keeps: filters and sort, never the page position.
FILTER_PARAMS = ["q", "owner", "status", "grade", "industry", "source", "tag", "region", "created_from",
                 "created_to", "not_contacted_days", "follow_up_due", "sort"]


@dataclass
class CustomerRow:
    """One line of the list, with phone and email already masked for the viewer."""

    customer: Customer
    phone: str
    email: str
    custom: list[tuple[str, str]]


def custom_display(definition: CustomFieldDefinition, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if definition.kind == CustomFieldKind.BOOLEAN:
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def filter_query(params: QueryDict) -> str:
    """The filter part of a query string, only known parameters, re-encoded."""
    kept = QueryDict(mutable=True)
    for key in params:
        if key in FILTER_PARAMS or key.startswith(CUSTOM_PREFIX):
            values = [v[:200] for v in params.getlist(key) if v.strip()]
            if values:
                kept.setlist(key, values[:1])
    return kept.urlencode()


FILTER_LABELS = {
    "q": gettext_lazy("Search"), "owner": gettext_lazy("Owner"), "status": gettext_lazy("Status"),
    "grade": gettext_lazy("Grade"), "industry": gettext_lazy("Industry"), "source": gettext_lazy("Source"),
    "tag": gettext_lazy("Tag"), "region": gettext_lazy("Region"), "created_from": gettext_lazy("Created from"),
    "created_to": gettext_lazy("Created until"), "not_contacted_days": gettext_lazy("Not contacted for (days)"),
    "follow_up_due": gettext_lazy("Follow-up due"), "sort": gettext_lazy("Sort"),
}


def _error_rows(error: DomainError | None, definitions: list[CustomFieldDefinition]) -> list[tuple[str, str]]:
    """Each refused filter by its label, so the user sees which one to correct."""
    if error is None:
        return []
    labels = {**FILTER_LABELS, **{CUSTOM_PREFIX + d.key: d.label for d in definitions}}
    return [(str(labels.get(name, name)), str(message)) for name, messages_ in error.errors.items()
            for message in messages_]


@guarded("customers.view")
def customer_list(request):
    actor = request.user
    definitions = customfields.definitions("customers.customer")
    error: DomainError | None = None
    filters: CustomerFilters | None = None
    try:
        filters = CustomerFilters.from_query(request.GET)
    except DomainError as exc:
        error = exc
    page, totals = None, {"count": 0, "count_more": False}
    if filters is not None:
        try:
            cursor = request.GET.get("cursor") or None
            page = selectors.customer_page(actor=actor, filters=filters, cursor=cursor, limit=PAGE_SIZE)
            totals = count_label(selectors.customer_list(actor=actor, filters=filters), page, first_page=not cursor,
                                 counted=not is_name_search(filters.q))
        except DomainError as exc:
            error = exc
    sensitive = masking.can_see_sensitive(actor)
    columns = definitions[:CUSTOM_COLUMNS]
    rows = [
        CustomerRow(c, masking.phone_for(actor, c.phone, sensitive=sensitive),
                    masking.email_for(actor, c.email, sensitive=sensitive),
                    [(d.label, custom_display(d, (c.custom or {}).get(d.key))) for d in columns])
        for c in (page.items if page else [])
    ]
    owners = list(selectors.customer_owner_choices(actor=actor))
    can = {name: actor.has_action(f"customers.{name}") for name in ("transfer", "edit", "delete", "create")}
    bulk = can["transfer"] or can["edit"] or can["delete"]
    context = {
        "rows": rows,
        "page": page,
        **totals,
        "filters": filters,
        # Filters beyond the search box stay unfolded on phones while any of them is in use.
        "filters_open": error is not None or (filters is not None and replace(filters, q="").is_active()),
        "error": error,
        "params": request.GET,
        "custom_columns": columns,
        "custom_filters": [(d, request.GET.get(CUSTOM_PREFIX + d.key, "")) for d in definitions],
        "owners": owners,
        "tags": list(selectors.tag_list()),
        "statuses": CustomerStatus.choices,
        "grades": CustomerGrade.choices,
        "industries": Industry.choices,
        "sources": CustomerSource.choices,
        "sorts": list(SORT_LABELS.items()),
        "saved_views": list(selectors.customer_saved_views(actor=actor)),
        "current_query": filter_query(request.GET),
        "can_transfer": can["transfer"],
        "can_edit": can["edit"],
        "can_delete": can["delete"],
        "can_create": can["create"],
        "can_export": actor.has_action("customers.export"),
        "bulk": bulk,
        "column_count": 10 + len(columns) + (1 if bulk else 0),
        "error_rows": _error_rows(error, definitions),
    }
    return render_listing(request, "customers/customer_list.html", context)


@require_POST
@guarded("customers.view")
def customer_bulk(request):
    actor = request.user
    form = BulkActionForm(request.POST, owners=selectors.customer_owner_choices(actor=actor))
    fallback = reverse("customers:list")
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return back_to(request, fallback)
    ids, action = form.cleaned_data["ids"], form.cleaned_data["action"]
    try:
        # One transaction: a tag typed for this action is not left behind if the action is refused.
        with transaction.atomic():
            if action == "transfer":
                owner = form.cleaned_data["owner"]
                n = services.customer_bulk_transfer(actor=actor, ids=ids, owner=owner)
                text = ngettext("%(n)d customer transferred to %(owner)s.",
                                "%(n)d customers transferred to %(owner)s.", n) % {"n": n, "owner": owner}
            elif action == "tag":
                tag = form.cleaned_data["tag"] or services.tag_create(actor=actor, name=form.cleaned_data["new_tag"])
                n = services.customer_bulk_add_tag(actor=actor, ids=ids, tag=tag)
                text = ngettext("Tag “%(tag)s” added to %(n)d customer.",
                                "Tag “%(tag)s” added to %(n)d customers.", n) % {"n": n, "tag": tag}
            else:
                n = services.customer_bulk_delete(actor=actor, ids=ids)
                text = ngettext("%(n)d customer moved to the recycle bin.",
                                "%(n)d customers moved to the recycle bin.", n) % {"n": n}
    except NotFound:
        messages.error(request, _("Some of the chosen customers are not available to you, so nothing was changed."))
    except Forbidden:
        messages.error(request, _("You do not have permission to do this."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        for field_errors in exc.errors.values():
            for message in field_errors:
                messages.error(request, message)
    else:
        messages.success(request, text)
    return back_to(request, fallback)


@require_POST
@guarded("customers.view")
def saved_view_save(request):
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the view a name of at most 80 characters."))
        return redirect("customers:list")
    query = filter_query(QueryDict(form.cleaned_data["query"]))
    try:
        view = org_services.saved_view_save(actor=request.user, entity=selectors.SAVED_VIEW_ENTITY,
                                            name=form.cleaned_data["name"], query=query)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("customers:list")
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(reverse("customers:list") + (f"?{view.query}" if view.query else ""))


@require_POST
@guarded("customers.view")
def saved_view_delete(request, pk: int):
    view = selectors.customer_saved_views(actor=request.user).filter(pk=pk).first()
    if view is None:
        raise NotFound()
    org_services.saved_view_delete(actor=request.user, view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("customers:list")
