"""Users admin pages: list and search, create, edit, reset password, deactivate and reactivate."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError

from .. import selectors, services
from ..forms import PasswordResetForm, UserCreateForm, UserEditForm, UserFilterForm
from .common import admin_page, show_error

ACTION = "org.manage_users"
EDITABLE = ["display_name", "email", "phone", "department", "manager"]


@admin_page(ACTION)
def user_list(request):
    filter_form = UserFilterForm(request.GET or None)
    filters = filter_form.filters() if request.GET else selectors.UserFilters()
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.user_page(actor=request.user, filters=filters, cursor=cursor)
    except DomainError as exc:
        messages.warning(request, str(exc.message))
        page = selectors.user_page(actor=request.user, filters=filters, cursor=None)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(request, "org/user_list.html",
                  {"page": page, "users": page.items, "filter_form": filter_form, "query": query.urlencode()})


@admin_page(ACTION)
@sensitive_post_parameters("password")
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(actor=request.user, username=data["username"], password=data["password"],
                                        display_name=data["display_name"], email=data["email"],
                                        phone=data["phone"], department=data["department"],
                                        manager=data["manager"], roles=list(data["roles"]))
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("User “%(name)s” was created.") % {"name": user})
            return redirect("org:user_edit", id=user.pk)
    return render(request, "org/user_form.html", {"form": form, "subject": None},
                  status=400 if form.errors else 200)


@admin_page(ACTION)
def user_edit(request, id: int):
    subject = selectors.user_get(actor=request.user, id=id)
    initial = {name: getattr(subject, name) for name in EDITABLE}
    initial["roles"] = list(subject.roles.all())
    form = UserEditForm(request.POST or None, initial=initial, user=subject)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(actor=request.user, user=subject, data={name: data[name] for name in EDITABLE},
                                 roles=list(data["roles"]))
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("User “%(name)s” was saved.") % {"name": subject})
            return redirect("org:user_edit", id=subject.pk)
    return render(request, "org/user_form.html", _edit_context(subject, form=form),
                  status=400 if form.errors else 200)


def _edit_context(subject, **extra) -> dict:
    context = {
        "subject": subject,
        "form": UserEditForm(user=subject),
        "password_form": PasswordResetForm(),
        "has_device": services.two_factor_device(user=subject) is not None,
        "customers_url": f"/customers/?owner={subject.pk}",
    }
    context.update(extra)
    return context


@admin_page(ACTION)
@require_POST
@sensitive_post_parameters("password")
def user_reset_password(request, id: int):
    subject = selectors.user_get(actor=request.user, id=id)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(actor=request.user, user=subject, password=form.cleaned_data["password"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The password of “%(name)s” was reset.") % {"name": subject})
            return redirect("org:user_edit", id=subject.pk)
    initial = {name: getattr(subject, name) for name in EDITABLE}
    initial["roles"] = list(subject.roles.all())
    return render(request, "org/user_form.html",
                  _edit_context(subject, form=UserEditForm(initial=initial, user=subject), password_form=form),
                  status=400)


@admin_page(ACTION)
@require_POST
def user_deactivate(request, id: int):
    subject = selectors.user_get(actor=request.user, id=id)
    try:
        services.user_deactivate(actor=request.user, user=subject)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("“%(name)s” was deactivated: signed out everywhere and API tokens revoked. "
                                    "Their customers are listed below for transfer.") % {"name": subject})
    return redirect("org:user_edit", id=subject.pk)


@admin_page(ACTION)
@require_POST
def user_reactivate(request, id: int):
    subject = selectors.user_get(actor=request.user, id=id)
    services.user_reactivate(actor=request.user, user=subject)
    messages.success(request, _("“%(name)s” can sign in again.") % {"name": subject})
    return redirect("org:user_edit", id=subject.pk)


@admin_page(ACTION)
@require_POST
def user_two_factor_reset(request, id: int):
    """For someone who lost their phone: they enrol a new authenticator at their next sign-in."""
    subject = selectors.user_get(actor=request.user, id=id)
    services.two_factor_disable(actor=request.user, user=subject)
    messages.success(request, _("Two-factor sign-in of “%(name)s” was reset.") % {"name": subject})
    return redirect("org:user_edit", id=subject.pk)
