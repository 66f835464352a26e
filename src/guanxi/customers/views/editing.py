"""Creating, editing and deleting one customer."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import Conflict, DomainError, NotFound

from .. import masking, selectors, services
from ..forms import CUSTOMER_MODEL_FIELDS, CustomerForm
from ..models import Customer
from .common import error_page, guarded

ENTITY = "customers.customer"


def _save_tags(actor, form: CustomerForm) -> list:
    tags = list(form.cleaned_data.get("tags") or [])
    tags += [services.tag_create(actor=actor, name=name) for name in form.cleaned_data.get("new_tags") or []]
    return list(dict.fromkeys(tags))


def _render_form(request, form: CustomerForm, customer: Customer | None, *, status: int = 200, **extra):
    can_delete = customer is not None and request.user.has_action("customers.delete")
    return render(request, "customers/customer_form.html",
                  {"form": form, "customer": customer, "can_delete": can_delete, **extra}, status=status)


@guarded("customers.create")
def customer_create(request):
    actor = request.user
    definitions = customfields.definitions(ENTITY)
    form = CustomerForm(request.POST or None, actor=actor, owners=selectors.customer_owner_choices(actor=actor),
                        definitions=definitions)
    if request.method != "POST":
        return _render_form(request, form, None)
    if form.is_valid():
        try:
            with transaction.atomic():
                customer = services.customer_create(actor=actor, data=form.customer_data(),
                                                    tags=_save_tags(actor, form), custom=form.custom_values(),
                                                    **form.duplicate_options())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Customer “%(name)s” created.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return _render_form(request, form, None, status=400)


def _current_values(actor, fresh: Customer, form: CustomerForm) -> list[tuple[str, str]]:
    """What is saved now where it differs from what the user typed, for the conflict notice."""
    rows = []
    sensitive = masking.can_see_sensitive(actor)
    for name in CUSTOMER_MODEL_FIELDS:
        if name not in form.cleaned_data or name in form.hidden_sensitive:
            continue
        typed, saved = form.cleaned_data[name] or "", getattr(fresh, name) or ""
        if typed == saved:
            continue
        field = Customer._meta.get_field(name)
        shown = getattr(fresh, f"get_{name}_display")() if getattr(field, "choices", None) else saved
        if name == "phone":
            shown = masking.phone_for(actor, str(saved), sensitive=sensitive)
        elif name == "email":
            shown = masking.email_for(actor, str(saved), sensitive=sensitive)
        rows.append((str(getattr(field, "verbose_name", name)), str(shown) if shown != "" else "—"))
    return rows


@guarded("customers.edit")
def customer_edit(request, pk: int):
    actor = request.user
    definitions = customfields.definitions(ENTITY)
    try:
        customer = selectors.customer_get(actor=actor, id=pk)
    except NotFound:
        if request.method == "POST":
            return _deleted_meanwhile(request, pk, definitions)
        raise
    if not selectors.customer_can_edit(actor=actor, customer=customer):
        return error_page(request, 403)
    can_transfer = actor.has_action("customers.transfer")
    owners = selectors.customer_owner_choices(actor=actor)
    if customer.owner_id:
        owners = owners.model.objects.filter(Q(pk__in=owners.values("pk")) | Q(pk=customer.owner_id))
    form = CustomerForm(request.POST or None, actor=actor, owners=owners, customer=customer,
                        definitions=definitions, can_transfer=can_transfer)
    if request.method != "POST":
        return _render_form(request, form, customer)
    if not form.is_valid():
        return _render_form(request, form, customer, status=400)
    try:
        with transaction.atomic():
            services.customer_update(actor=actor, customer=customer, data=form.customer_data(),
                                     custom=form.custom_values(), tags=_save_tags(actor, form),
                                     expected_version=form.cleaned_data.get("version"),
                                     **form.duplicate_options())
    except Conflict:
        try:
            fresh = selectors.customer_get(actor=actor, id=pk)
        except NotFound:
            return _deleted_meanwhile(request, pk, definitions)
        form.add_error(None, _("Someone else changed this customer while you were editing. Your typing is kept "
                               "below; the values saved now are listed. Save again to replace them with yours."))
        # A second save is a deliberate overwrite of the version the user has now been shown.
        data = request.POST.copy()
        data["version"] = str(fresh.version)
        form.data = data
        return _render_form(request, form, customer, status=409, current=_current_values(actor, fresh, form))
    except NotFound:
        return _deleted_meanwhile(request, pk, definitions)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _render_form(request, form, customer, status=400)
    messages.success(request, _("Customer “%(name)s” saved.") % {"name": customer.name})
    return redirect("customers:detail", pk=customer.pk)


def _deleted_meanwhile(request, pk: int, definitions):
    """A customer the user could edit was deleted while they typed: say so and keep the typing.
    Anything else (missing, out of scope) is the plain 404."""
    actor = request.user
    deleted = selectors.customer_deleted_get(actor=actor, id=pk)
    form = CustomerForm(request.POST, actor=actor, owners=selectors.customer_owner_choices(actor=actor),
                        customer=deleted, definitions=definitions, can_transfer=False)
    form.is_valid()
    form.add_error(None, _("This customer was deleted by someone else meanwhile, so your changes were not saved. "
                           "It can be restored from the recycle bin."))
    return _render_form(request, form, deleted, status=409, deleted=True)


@require_POST
@guarded("customers.delete")
def customer_delete(request, pk: int):
    customer = selectors.customer_get(actor=request.user, id=pk)
    services.customer_delete(actor=request.user, customer=customer)
    messages.success(request, _("Customer “%(name)s” moved to the recycle bin.") % {"name": customer.name})
    return redirect("customers:list")
