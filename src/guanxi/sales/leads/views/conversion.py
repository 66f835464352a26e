"""The conversion step (线索转化): the customers that may already be this lead's, then convert."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError
from guanxi.customers import masking
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.views.common import error_page, guarded

from .. import selectors, services
from ..choices import ConversionMode
from ..forms import ConvertForm
from ..models import Lead
from .common import may_confirm, show_error


def _context(request, lead: Lead, form: ConvertForm, candidates, **extra) -> dict:
    actor = request.user
    sensitive = masking.can_see_sensitive(actor)
    return {
        "lead": lead,
        "form": form,
        "matches": [(c, masking.phone_for(actor, c.phone, sensitive=sensitive)) for c in candidates.customers],
        "hidden": candidates.hidden,
        "phone": masking.phone_for(actor, lead.phone, sensitive=sensitive),
        "email": masking.email_for(actor, lead.email, sensitive=sensitive),
        "can_opportunity": actor.has_action("opportunities.create"),
        **extra,
    }


@guarded("leads.convert")
def lead_convert(request, pk: int):
    actor = request.user
    lead = selectors.lead_get(actor=actor, id=pk)
    if lead.is_converted:
        messages.info(request, _("This lead was converted already."))
        return redirect("leads:detail", pk=lead.pk)
    if not selectors.lead_can_edit(actor=actor, lead=lead):
        return error_page(request, 403)
    matches = selectors.lead_conversion_candidates(actor=actor, lead=lead)
    initial = {"version": lead.version, "opportunity_name": str(lead),
               "mode": ConversionMode.ATTACH_CONTACT if matches.customers else ConversionMode.NEW_CUSTOMER}
    form = ConvertForm(request.POST or None, matches=matches.customers, initial=initial)
    if request.method != "POST":
        return render(request, "leads/lead_convert.html", _context(request, lead, form, matches))
    if form.is_valid():
        data = form.cleaned_data
        try:
            customer = (customer_selectors.customer_get(actor=actor, id=data["customer"])
                        if data["mode"] != ConversionMode.NEW_CUSTOMER else None)
            result = services.lead_convert(
                actor=actor, lead=lead, mode=data["mode"], customer=customer, customer_data=form.customer_data(),
                opportunity=form.opportunity(), expected_version=data.get("version"),
                confirmed=data.get("confirmed", False))
        except DomainError as exc:
            show_error(form, exc)
            return render(request, "leads/lead_convert.html",
                          _context(request, lead, form, matches, duplicate=may_confirm(exc)),
                          status=exc.status)
        messages.success(request, _("Lead “%(name)s” converted into customer “%(customer)s”.") % {
            "name": lead, "customer": result.customer})
        return redirect("customers:detail", pk=result.customer.pk)
    return render(request, "leads/lead_convert.html", _context(request, lead, form, matches), status=400)
