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
    NavItem(_("Customer pool"), "customers:pool", "customers.view", "inbox"),
    NavItem(_("Leads"), "leads:list", "leads.view", "target"),
    NavItem(_("Opportunities"), "opportunities:board", "opportunities.view", "trend"),
    NavItem(_("Quotes"), "quotes:list", "quotes.view", "file"),
    NavItem(_("Contracts"), "contracts:list", "contracts.view", "file-check"),
    NavItem(_("Receivables"), "contracts:receivables", "contracts.view", "coins"),
    NavItem(_("Approvals"), "automation:inbox", None, "check"),
    NavItem(_("Import"), "imports:list", "dataquality.import", "upload"),
    NavItem(_("My jobs"), "web:jobs", None, "clock"),
]

ADMIN = [
    NavItem(_("Users"), "org:user_list", "org.manage_users"),
    NavItem(_("Departments"), "org:department_list", "org.manage_departments"),
    NavItem(_("Roles"), "org:role_list", "org.manage_roles"),
    NavItem(_("Custom fields"), "org:custom_field_list", "org.manage_custom_fields"),
    NavItem(_("Audit log"), "org:audit_list", "org.view_audit"),
    NavItem(_("Pipelines"), "opportunities:pipeline_list", "opportunities.manage_pipelines"),
    NavItem(_("Products"), "products:list", "products.view"),
    NavItem(_("Targets"), "targets:list", "targets.manage"),
    NavItem(_("Customer pools"), "customers:pool_admin", "customers.manage_pools"),
    NavItem(_("Approval flows"), "automation:flow_list", "automation.manage_approvals"),
    NavItem(_("Webhooks"), "webhooks:list", "automation.manage_webhooks"),
    NavItem(_("Reminders"), "reminders:settings", "automation.manage_reminders"),
    NavItem(_("Duplicate check"), "dataquality:settings", "dataquality.manage"),
    NavItem(_("Duplicates"), "duplicates:list", "dataquality.scan"),
    NavItem(_("Merge history"), "merging:list", "dataquality.merge"),
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
