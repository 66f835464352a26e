"""Contacts (联系人): the list of all contacts the user can see, the contact page, and the
contacts block of the customer page, edited in place with HTMX (and by plain forms without JS)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import customfields
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.paging import keyset_page

from .. import masking, selectors, services
from ..forms import ContactForm
from ..models import Contact, Customer
from .common import PAGE_SIZE, count_label, error_page, guarded, render_listing

ENTITY = "customers.contact"
SECTION = "contacts"


@dataclass
class ContactRow:
    """A contact with phones and email already masked for the viewer."""

    contact: Contact
    phone: str
    mobile: str
    email: str


def contact_rows(actor, contacts) -> list[ContactRow]:
    sensitive = masking.can_see_sensitive(actor)
    return [ContactRow(c, masking.phone_for(actor, c.phone, sensitive=sensitive),
                       masking.phone_for(actor, c.mobile, sensitive=sensitive),
                       masking.email_for(actor, c.email, sensitive=sensitive)) for c in contacts]


def contacts_context(request, customer: Customer, *, can_edit: bool, form: ContactForm | None = None,
                     editing: Contact | None = None, edit_form: ContactForm | None = None,
                     adding: bool = False) -> dict:
    """The contacts block. The new-contact form is built only when asked for (`adding`): it is
    most of the customer page's rendering and most visits never open it."""
    actor = request.user
    definitions = customfields.definitions(ENTITY) if can_edit and (adding or editing is not None) else []
    if can_edit and adding and form is None:
        form = ContactForm(actor=actor, definitions=definitions, prefix="new")
    if editing is not None and edit_form is None:
        edit_form = ContactForm(actor=actor, contact=editing, definitions=definitions, prefix="edit")
    return {
        "customer": customer,
        "contacts": contact_rows(actor, selectors.customer_contacts(actor=actor, customer=customer)),
        "contact_form": form,
        "editing": editing,
        "edit_form": edit_form,
        "can_edit": can_edit,
    }


def _section(request, customer: Customer, *, status: int = 200, **kwargs):
    can_edit = selectors.customer_can_edit(actor=request.user, customer=customer)
    context = contacts_context(request, customer, can_edit=can_edit, **kwargs)
    return render(request, "customers/customer_detail.html#contacts", context, status=status)


def _wants_section(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and htmx.target == SECTION


def _back_to_customer(customer: Customer):
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#contacts")


@guarded("customers.view")
def customer_contacts(request, pk: int):
    """The contacts block alone; `?edit=<id>` opens one contact's form in place, `?add=1` the
    new-contact form."""
    customer = selectors.customer_get(actor=request.user, id=pk)
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = selectors.contact_get(actor=request.user, id=int(request.GET["edit"]))
        if editing.customer_id != customer.pk:
            raise NotFound()
    return _section(request, customer, editing=editing, adding=request.GET.get("add") == "1")


@require_POST
@guarded("customers.edit")
def contact_create(request, pk: int):
    actor = request.user
    customer = selectors.customer_get(actor=actor, id=pk)
    form = ContactForm(request.POST, actor=actor, definitions=customfields.definitions(ENTITY), prefix="new")
    if form.is_valid():
        try:
            contact = services.contact_create(actor=actor, customer=customer, data=form.contact_data(),
                                              custom=form.custom_values(), **form.duplicate_options())
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            form.add_domain_error(exc)
        else:
            if _wants_section(request):
                return _section(request, customer)
            messages.success(request, _("Contact “%(name)s” added.") % {"name": contact.name})
            return _back_to_customer(customer)
    if _wants_section(request):
        # HTMX swaps only successful responses, so the form with its errors comes back as 200.
        return _section(request, customer, form=form)
    from .detail import detail_context

    context = detail_context(request, customer)
    context["contact_form"] = form
    return render(request, "customers/customer_detail.html", context, status=400)


@guarded("customers.view")
def contact_edit(request, pk: int):
    actor = request.user
    contact = selectors.contact_get(actor=actor, id=pk)
    customer = contact.customer
    can_edit = selectors.customer_can_edit(actor=actor, customer=customer)
    if request.method == "POST" and not can_edit:
        return error_page(request, 403)
    definitions = customfields.definitions(ENTITY)
    prefix = "edit" if _wants_section(request) else None
    form = ContactForm(request.POST or None, actor=actor, contact=contact, definitions=definitions, prefix=prefix)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(actor=actor, contact=contact, data=form.contact_data(),
                                    custom=form.custom_values(), expected_version=form.cleaned_data.get("version"),
                                    **form.duplicate_options())
        except Conflict:
            form.add_error(None, _("Someone else changed this contact while you were editing. Reload it to see "
                                   "their changes, then edit again."))
        except NotFound:
            form.add_error(None, _("This contact was deleted by someone else meanwhile, so your changes were "
                                   "not saved."))
        except DomainError as exc:
            if exc.status == 403:
                raise
            form.add_domain_error(exc)
        else:
            if _wants_section(request):
                return _section(request, customer)
            messages.success(request, _("Contact “%(name)s” saved.") % {"name": contact.name})
            return _back_to_customer(customer)
    if _wants_section(request):
        return _section(request, customer, editing=contact, edit_form=form)
    status = 400 if request.method == "POST" else 200
    row = contact_rows(actor, [contact])[0]
    return render(request, "customers/contact_form.html",
                  {"form": form, "contact": contact, "row": row, "customer": customer, "can_edit": can_edit},
                  status=status)


@require_POST
@guarded("customers.edit")
def contact_delete(request, pk: int):
    contact = selectors.contact_get(actor=request.user, id=pk)
    services.contact_delete(actor=request.user, contact=contact)
    if _wants_section(request):
        return _section(request, contact.customer)
    messages.success(request, _("Contact “%(name)s” deleted.") % {"name": contact.name})
    return _back_to_customer(contact.customer)


@guarded("customers.view")
def contact_list(request):
    actor = request.user
    q = request.GET.get("q", "").strip()[:100]
    contacts = selectors.contact_list(actor=actor, q=q)
    error = None
    page = None
    try:
        page = keyset_page(contacts, ["-id"], request.GET.get("cursor") or None, PAGE_SIZE)
    except DomainError as exc:
        error = exc
    context = {
        "q": q,
        "rows": contact_rows(actor, page.items if page else []),
        "page": page,
        "error": error,
        **count_label(contacts),
    }
    return render_listing(request, "customers/contact_list.html", context)
