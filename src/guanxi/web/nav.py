"""The main navigation; each entry shows only to users whose roles grant its action."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: object
    url_name: str
    action: str | None  # None: every signed-in user
    icon: str = ""


MAIN = [
    NavItem(_("Home"), "web:home", None, "home"),
    NavItem(_("Customers"), "customers:list", "customers.view", "users"),
    NavItem(_("Contacts"), "customers:contact_list", "customers.view", "user"),
    NavItem(_("Follow-ups"), "activities:list", "activities.view", "message"),
]

ADMIN = [
    NavItem(_("Users"), "org:user_list", "org.manage_users"),
    NavItem(_("Departments"), "org:department_list", "org.manage_departments"),
    NavItem(_("Roles"), "org:role_list", "org.manage_roles"),
    NavItem(_("Custom fields"), "org:custom_field_list", "org.manage_custom_fields"),
    NavItem(_("Audit log"), "org:audit_list", "org.view_audit"),
    NavItem(_("Recycle bin"), "customers:recycle_bin", "customers.delete"),
]


def visible_items(user, items: list[NavItem]) -> list[dict]:
    out = []
    for item in items:
        if item.action is None or user.has_action(item.action):
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:  # a page not installed in this build
                continue
            out.append({"label": item.label, "url": url, "icon": item.icon})
    return out
