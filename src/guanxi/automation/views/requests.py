"""The approvals inbox (审批中心) and one request: waiting for me, submitted by me, decided by me;
deciding in place with HTMX (and by plain forms without JavaScript); withdrawing."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.paging import keyset_page

from .. import selectors, services
from ..choices import Decision, InboxBox
from ..forms import DecisionForm
from ..models import ApprovalRequest
from .common import PAGE_SIZE, page, safe_next

ORDERING = ["-id"]
DECIDED_MESSAGES = {
    Decision.APPROVE: gettext_lazy("You approved “%(title)s”."),
    Decision.REJECT: gettext_lazy("You rejected “%(title)s”."),
    Decision.RETURN: gettext_lazy("You sent “%(title)s” back for changes."),
}


def _htmx_target(request) -> str:
    htmx = getattr(request, "htmx", None)
    return str(htmx.target or "") if htmx else ""


@page()
def inbox(request):
    actor = request.user
    box = request.GET.get("box") or InboxBox.WAITING
    error = None
    page_ = None
    if box not in InboxBox.values:
        error = _("Choose one of the boxes of the approvals inbox.")
        box = InboxBox.WAITING
    else:
        try:
            page_ = keyset_page(selectors.approval_inbox(actor=actor, box=box), ORDERING,
                                request.GET.get("cursor") or None, PAGE_SIZE)
        except DomainError as exc:
            error = str(exc.message)
    counts = selectors.approval_inbox_counts(actor=actor)
    context = {
        "box": box,
        "boxes": [{"value": value, "label": label, "count": counts[value][0], "more": counts[value][1]}
                  for value, label in InboxBox.choices],
        "rows": [selectors.approval_request_view(actor=actor, request=r) for r in page_.items] if page_ else [],
        "page": page_,
        "error": error,
        "decisions": Decision.choices,
        "can_manage": actor.has_action("automation.manage_approvals"),
    }
    name = "automation/inbox.html"
    if _htmx_target(request) == "results" and not request.htmx.history_restore_request:
        name += "#results"
    response = render(request, name, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@page()
def request_detail(request, pk: int):
    approval = selectors.approval_request_get(actor=request.user, id=pk)
    return _detail(request, approval)


def _detail(request, approval: ApprovalRequest, *, form: DecisionForm | None = None, error: str = "",
            status: int = 200):
    context = {"row": selectors.approval_request_view(actor=request.user, request=approval),
               "form": form or DecisionForm(), "error": error, "decisions": Decision.choices}
    return render(request, "automation/request_detail.html", context, status=status)


def _reloaded(actor, pk: int) -> ApprovalRequest:
    return selectors.approval_request_get(actor=actor, id=pk)


@require_POST
@page()
def request_decide(request, pk: int):
    """Forbidden (not your turn) is a 403; a missing comment or someone deciding first shows on the form."""
    actor = request.user
    approval = selectors.approval_request_get(actor=actor, id=pk)
    form = DecisionForm(request.POST)
    in_row = _htmx_target(request) == f"request-{pk}"
    error, status = "", 200
    if not form.is_valid():
        error, status = _("Choose approve, reject or send back."), 400
        if form.errors.get("comment"):
            error = str(form.errors["comment"][0])
    else:
        decision = form.cleaned_data["decision"]
        try:
            services.approval_decide(actor=actor, request=approval, decision=decision,
                                     comment=form.cleaned_data["comment"])
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:
            messages_ = exc.errors.get("comment") or []
            error, status = str(messages_[0] if messages_ else exc.message), exc.status
        else:
            done = str(DECIDED_MESSAGES[Decision(decision)]) % {"title": approval.title}
            if in_row:
                return _row(request, _reloaded(actor, pk), notice=done)
            messages.success(request, done)
            return redirect(safe_next(request) or reverse("automation:request", args=[pk]))
    if in_row:
        # HTMX swaps only successful responses; the row carries the error itself.
        return _row(request, _reloaded(actor, pk), error=error, form=form)
    return _detail(request, _reloaded(actor, pk), form=form, error=error, status=status)


def _row(request, approval: ApprovalRequest, *, notice: str = "", error: str = "",
         form: DecisionForm | None = None):
    context = {"r": selectors.approval_request_view(actor=request.user, request=approval), "notice": notice,
               "row_error": error, "row_form": form, "decisions": Decision.choices,
               "box": request.POST.get("box", "")}
    return render(request, "automation/inbox.html#row", context)


@require_POST
@page()
def request_withdraw(request, pk: int):
    actor = request.user
    approval = selectors.approval_request_get(actor=actor, id=pk)
    try:
        services.approval_withdraw(actor=actor, request=approval)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("You withdrew “%(title)s”.") % {"title": approval.title})
    return redirect(safe_next(request) or reverse("automation:request", args=[pk]))
