"""The assignment rules admin (线索分配规则): ordered rules sending leads round-robin to teams."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import Conflict, DomainError
from guanxi.customers.choices import CustomerSource
from guanxi.customers.views.common import guarded

from .. import selectors, services
from ..forms import RuleForm
from ..models import AssignmentRule


@guarded("leads.assign")
def rule_list(request):
    rules = list(selectors.rule_list(actor=request.user))
    sources = dict(CustomerSource.choices)
    rows = [(rule, [sources.get(s, s) for s in rule.sources]) for rule in rules]
    return render(request, "leads/rule_list.html", {"rows": rows})


def _users(actor, rule: AssignmentRule | None):
    """Team members to choose from: users in the actor's reach, and whoever is on the team already."""
    users = selectors.lead_owner_choices(actor=actor)
    if rule is not None:
        users = users.model.objects.filter(
            Q(pk__in=users.values("pk")) | Q(pk__in=[m.user_id for m in rule.team])  # type: ignore[attr-defined]
        ).select_related("department").order_by("display_name", "username")
    return users


def _initial(rule: AssignmentRule) -> dict:
    return {"name": rule.name, "position": rule.position, "is_active": rule.is_active, "sources": rule.sources,
            "regions": ", ".join(rule.regions), "members": [m.user_id for m in rule.team],  # type: ignore[attr-defined]
            "version": rule.version}


@guarded("leads.assign")
def rule_edit(request, pk: int | None = None):
    actor = request.user
    rule = selectors.rule_get(actor=actor, id=pk) if pk is not None else None
    form = RuleForm(request.POST or None, users=_users(actor, rule),
                    initial=_initial(rule) if rule is not None else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            members = list(form.cleaned_data["members"])
            try:
                if rule is None:
                    rule = services.rule_create(actor=actor, data=form.rule_data(), members=members)
                    text = _("Assignment rule “%(name)s” created.")
                else:
                    services.rule_update(actor=actor, rule=rule, data=form.rule_data(), members=members,
                                         expected_version=form.cleaned_data.get("version"))
                    text = _("Assignment rule “%(name)s” saved.")
            except Conflict as exc:
                form.add_error(None, str(exc.message))
                status = exc.status
            except DomainError as exc:
                if exc.status == 403:
                    raise
                form.add_domain_error(exc)
                status = exc.status
            else:
                messages.success(request, text % {"name": rule.name})
                return redirect("leads:rule_list")
    return render(request, "leads/rule_form.html", {"form": form, "rule": rule}, status=status)


@require_POST
@guarded("leads.assign")
def rule_delete(request, pk: int):
    rule = selectors.rule_get(actor=request.user, id=pk)
    services.rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Assignment rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("leads:rule_list")


@require_POST
@guarded("leads.assign")
def rules_apply(request):
    """Run the rules over the whole lead pool now."""
    n = services.lead_apply_rules(actor=request.user)
    messages.success(request, ngettext("The rules assigned %(n)d lead.", "The rules assigned %(n)d leads.", n) % {
        "n": n})
    return redirect("leads:pool" if request.POST.get("next") == "pool" else "leads:rule_list")
