"""The opportunity list (filters, keyset paging, bulk transfer and delete) and the weighted
pipeline summary (加权销售预测)."""

from __future__ import annotations

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.customers.views.common import PAGE_SIZE, back_to, count_label, guarded, render_listing

from .. import selectors, services, summary
from ..choices import OpportunityStatus
from ..forms import BulkForm
from .common import filter_context, filter_query, read_filters

SORT_LABELS = {
    "-created": gettext_lazy("Newest first"),
    "created": gettext_lazy("Oldest first"),
    "-amount": gettext_lazy("Largest amount first"),
    "amount": gettext_lazy("Smallest amount first"),
    "-updated": gettext_lazy("Recently updated"),
}


@guarded("opportunities.view")
def opportunity_list(request):
    actor = request.user
    filters, error = read_filters(request.GET)
    page, totals = None, {"count": 0, "count_more": False}
    if filters is not None:
        try:
            page = selectors.opportunity_page(actor=actor, filters=filters,
                                              cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
            totals = count_label(selectors.opportunity_list(actor=actor, filters=filters))
        except DomainError as exc:
            error = exc
    can_transfer = actor.has_action("opportunities.transfer")
    can_delete = actor.has_action("opportunities.delete")
    context = {
        **filter_context(request, error=error),
        "error": error,
        "page": page,
        **totals,
        "pipelines": selectors.pipelines_with_stages(),
        "statuses": OpportunityStatus.choices,
        "sorts": list(SORT_LABELS.items()),
        "current_query": filter_query(request.GET),
        "can_transfer": can_transfer,
        "can_delete": can_delete,
        "can_create": actor.has_action("opportunities.create"),
        "bulk": can_transfer or can_delete,
    }
    return render_listing(request, "opportunities/list.html", context)


@require_POST
@guarded("opportunities.view")
def opportunity_bulk(request):
    actor = request.user
    form = BulkForm(request.POST, owners=selectors.opportunity_owner_choices(actor=actor))
    fallback = reverse("opportunities:list")
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
        return back_to(request, fallback)
    ids = form.cleaned_data["ids"]
    try:
        if form.cleaned_data["action"] == "transfer":
            owner = form.cleaned_data["owner"]
            n = services.opportunity_bulk_transfer(actor=actor, ids=ids, owner=owner)
            text = ngettext("%(n)d opportunity transferred to %(owner)s.",
                            "%(n)d opportunities transferred to %(owner)s.", n) % {"n": n, "owner": owner}
        else:
            n = services.opportunity_bulk_delete(actor=actor, ids=ids)
            text = ngettext("%(n)d opportunity moved to the recycle bin.",
                            "%(n)d opportunities moved to the recycle bin.", n) % {"n": n}
    except NotFound:
        messages.error(request, _("Some of the chosen opportunities are not available to you, so nothing was "
                                  "changed."))
    except Forbidden:
        messages.error(request, _("You do not have permission to do this."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, text)
    return back_to(request, fallback)


@guarded("opportunities.view")
def opportunity_summary(request):
    actor = request.user
    filters, error = read_filters(request.GET)
    result = summary.weighted_pipeline(actor=actor, filters=filters) if filters is not None else None
    context = {
        **filter_context(request, error=error),
        "result": result,
        "pipelines": selectors.pipeline_list(),
    }
    return render_listing(request, "opportunities/summary.html", context)
