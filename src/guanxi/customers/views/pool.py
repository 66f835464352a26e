"""The customer pool pages (公海): the pool list with claim and assign, returning a customer from its page,
the pool section of the customer page, and the admin pages that configure pools and their rules."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound

from .. import masking
from ..choices import CustomerGrade, Industry
from ..models import Customer
from ..pool import selectors, services
from ..pool.filters import PoolFilters
from ..pool.forms import AssignForm, PoolForm, ReturnForm
from ..selectors import customer_get, customer_owner_choices
from .common import PAGE_SIZE, back_to, count_label, error_page, guarded, render_listing

HISTORY_SHOWN = 20


def _say(request, exc: DomainError) -> None:
    """A refused action as messages: the reason, then any field messages."""
    messages.error(request, str(exc.message))
    for field_messages in exc.errors.values():
        for message in field_messages:
            if message != str(exc.message):
                messages.error(request, message)


def _rule_summary(rules, owned: int) -> dict:
    default = rules.default
    return {"rules": sorted(rules.by_grade.values(), key=lambda r: r.grade), "owned": owned,
            "max_owned": default.max_owned if default else None}


# -- the pool list --


@guarded("customers.view")
def pool_list(request):
    actor = request.user
    pools = selectors.pool_list(actor=actor)
    pool = None
    wanted = request.GET.get("pool", "")
    if wanted:
        pool = next((p for p in pools if str(p.pk) == wanted), None)
        if pool is None:
            raise NotFound()
    elif pools:
        pool = pools[0]
    error: DomainError | None = None
    filters: PoolFilters | None = None
    try:
        filters = PoolFilters.from_query(request.GET)
    except DomainError as exc:
        error = exc
    page, totals = None, {"count": 0, "count_more": False}
    if pool is not None and filters is not None:
        try:
            page = selectors.pool_customer_page(actor=actor, pool=pool, filters=filters,
                                                cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
            totals = count_label(selectors.pool_customer_list(actor=actor, pool=pool, filters=filters))
        except DomainError as exc:
            error = exc
    sensitive = masking.can_see_sensitive(actor)
    rows = [(c, masking.phone_for(actor, c.phone, sensitive=sensitive)) for c in (page.items if page else [])]
    can_assign = pool is not None and actor.has_action("customers.transfer")
    rules = selectors.pool_rules(pool=pool) if pool is not None else None
    context = {
        "pools": pools,
        "pool": pool,
        "rows": rows,
        "page": page,
        **totals,
        "filters": filters,
        "error": error,
        "error_rows": [(name, m) for name, ms in (error.errors.items() if error else []) for m in ms],
        "params": request.GET,
        "grades": CustomerGrade.choices,
        "industries": Industry.choices,
        "can_claim": actor.has_action("customers.create"),
        "can_assign": can_assign,
        "can_manage": actor.has_action("customers.manage_pools"),
        "sellers": list(selectors.pool_assign_choices(actor=actor, pool=pool)) if pool and can_assign else [],
        "standing": _rule_summary(rules, selectors.pool_owned_count(actor=actor)) if rules is not None else None,
    }
    return render_listing(request, "customers/pool_list.html", context)


@require_POST
@guarded("customers.view")
def pool_claim(request, pk: int):
    actor = request.user
    fallback = reverse("customers:pool")
    try:
        customer = Customer.objects.visible_to(actor).select_related("pool").filter(pk=pk).first()
        if customer is None:
            raise NotFound()
        services.customer_claim(actor=actor, customer=customer)
    except NotFound:
        messages.error(request, _("This customer is no longer in your pools."))
        return back_to(request, fallback)
    except Forbidden:
        raise
    except DomainError as exc:
        _say(request, exc)
        return back_to(request, fallback)
    messages.success(request, _("“%(name)s” is now yours. Follow it up before the pool's rules take it back.")
                     % {"name": customer.name})
    return redirect("customers:detail", pk=customer.pk)


@require_POST
@guarded("customers.transfer")
def pool_assign(request):
    actor = request.user
    fallback = reverse("customers:pool")
    form = AssignForm(request.POST, sellers=customer_owner_choices(actor=actor))
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return back_to(request, fallback)
    owner = form.cleaned_data["owner"]
    try:
        n = services.customer_assign_from_pool(actor=actor, ids=form.cleaned_data["ids"], owner=owner)
    except NotFound:
        messages.error(request, _("Some of the chosen customers are not available to you, so nothing was changed."))
    except Forbidden:
        raise
    except DomainError as exc:
        _say(request, exc)
    else:
        messages.success(request, ngettext("%(n)d customer assigned to %(owner)s.",
                                           "%(n)d customers assigned to %(owner)s.", n) % {"n": n, "owner": owner})
    return back_to(request, fallback)


# -- the customer page --


def customer_pool_section(request, customer: Customer) -> dict:
    """The pool block of the customer page: where it waits or when it returns, the actions, the history."""
    actor = request.user
    history = list(selectors.customer_ownership_history(actor=actor, customer=customer)[:HISTORY_SHOWN])
    section: dict = {"customer": customer, "history": history, "in_pool": customer.in_pool,
                     "notice_days": customer.pool_return_in_days}
    if customer.pool_id is not None and customer.owner_id is None:
        try:
            pool = selectors.pool_get(actor=actor, id=customer.pool_id)
        except NotFound:  # seen as a team member, not as a member of its pool
            pool = None
        section["pool"] = pool
        section["can_claim"] = pool is not None and actor.has_action("customers.create")
        if pool is not None and actor.has_action("customers.transfer"):
            section["sellers"] = selectors.pool_assign_choices(actor=actor, pool=pool)
    elif customer.owner_id is not None and actor.has_action("customers.edit"):
        # Shown only where the page's own `can_edit` holds (the template checks it), saving a query here.
        section["return_form"] = ReturnForm(prefix="pool")
    # The return form alone shows the block only where the page says the user may edit (template).
    section["shown"] = bool(history or customer.in_pool or section["notice_days"] is not None)
    return section


@require_POST
@guarded("customers.edit")
def customer_return(request, pk: int):
    actor = request.user
    customer = customer_get(actor=actor, id=pk)
    form = ReturnForm(request.POST, prefix="pool")
    detail = reverse("customers:detail", args=[customer.pk])
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect(detail + "#pool")
    try:
        event = services.customer_return_to_pool(actor=actor, customer=customer, reason=form.cleaned_data["reason"])
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        _say(request, exc)
        return redirect(detail + "#pool")
    messages.success(request, _("“%(name)s” went back to the pool “%(pool)s”.") % {"name": customer.name,
                                                                                  "pool": event.pool_name})
    if Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        return redirect(detail)
    return redirect("customers:list")


# -- configuring pools --


@guarded("customers.manage_pools")
def pool_admin(request):
    pools = selectors.pool_admin_list(actor=request.user)
    counts = selectors.pool_waiting_counts(pools)
    return render(request, "customers/pool_admin.html", {"pools": [(p, *counts[p.pk]) for p in pools]})


def _pool_form_page(request, form: PoolForm, pool, *, status: int = 200):
    return render(request, "customers/pool_form.html", {"form": form, "pool": pool}, status=status)


@guarded("customers.manage_pools")
def pool_create(request):
    form = PoolForm(request.POST or None)
    if request.method != "POST":
        return _pool_form_page(request, form, None)
    if form.is_valid():
        try:
            pool = services.pool_create(actor=request.user, data=form.pool_data(), rules=form.rules())
        except DomainError as exc:
            if exc.status == 403:
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Pool “%(name)s” created.") % {"name": pool.name})
            return redirect("customers:pool_admin")
    return _pool_form_page(request, form, None, status=400)


@guarded("customers.manage_pools")
def pool_edit(request, pk: int):
    pool = selectors.pool_admin_get(actor=request.user, id=pk)
    form = PoolForm(request.POST or None, pool=pool)
    if request.method != "POST":
        return _pool_form_page(request, form, pool)
    if form.is_valid():
        try:
            services.pool_update(actor=request.user, pool=pool, data=form.pool_data(), rules=form.rules(),
                                 expected_version=form.cleaned_data.get("version"))
        except NotFound:
            return error_page(request, 404, _("This pool was deleted by someone else meanwhile."))
        except DomainError as exc:
            if exc.status == 403:
                raise
            form.add_domain_error(exc)
            return _pool_form_page(request, form, pool, status=409 if exc.status == 409 else 400)
        else:
            messages.success(request, _("Pool “%(name)s” saved.") % {"name": pool.name})
            return redirect("customers:pool_admin")
    return _pool_form_page(request, form, pool, status=400)


@require_POST
@guarded("customers.manage_pools")
def pool_delete(request, pk: int):
    pool = selectors.pool_admin_get(actor=request.user, id=pk)
    try:
        services.pool_delete(actor=request.user, pool=pool)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, _("“%(name)s” was not deleted: %(reason)s") % {"name": pool.name,
                                                                              "reason": exc.message})
    else:
        messages.success(request, _("Pool “%(name)s” deleted.") % {"name": pool.name})
    return redirect("customers:pool_admin")

