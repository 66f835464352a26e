"""The demo company's organisation: departments, roles, people, tags and custom fields,
all created through the services with the system actor, as an administrator would."""

from __future__ import annotations

from dataclasses import dataclass

from guanxi.core import services as core_services
from guanxi.core.models import CustomFieldDefinition, CustomFieldKind
from guanxi.core.permissions import all_actions, modules
from guanxi.core.scopes import DataScope
from guanxi.core.system import SYSTEM
from guanxi.customers import services as customer_services
from guanxi.customers.models import Tag
from guanxi.org import services as org_services
from guanxi.org.models import Department, Role, User

from . import vocabulary

# One password for every demo login, printed at the end and documented in the README.
DEMO_PASSWORD = "guanxi-demo"

# Department tree: name → parent name.
DEPARTMENTS = [
    ("总部", None), ("销售部", "总部"), ("销售一部", "销售部"), ("销售二部", "销售部"), ("大客户部", "销售部"),
    ("客服部", "总部"), ("市场部", "总部"),
]

# What managers may do in the sales modules; sellers get the everyday part of it.
SALES_MANAGER: dict[str, list[str] | str] = {
    "leads": "*", "opportunities": "*", "products": ["view", "export"], "quotes": "*", "contracts": "*",
    "targets": "*",
}
SELLER: dict[str, list[str] | str] = {
    "leads": ["view", "create", "edit", "convert", "export"], "opportunities": ["view", "create", "edit", "export"],
    "products": ["view", "export"], "quotes": ["view", "create", "edit", "export"],
    "contracts": ["view", "create", "edit", "export"], "targets": ["view"],
}
# Role name → (description, verbs per module, data scope). "*" grants every action of a module.
ROLES: list[tuple[str, str, dict[str, list[str] | str], str]] = [
    ("管理员", "系统管理员：全部功能、全部数据", {"*": "*"}, DataScope.ALL),
    ("销售总监", "管理整个销售部及下属部门的客户",
     {"customers": ["view", "create", "edit", "delete", "transfer", "export", "view_sensitive"],
      "activities": ["view", "create", "edit", "delete", "export"], **SALES_MANAGER}, DataScope.DEPARTMENT_TREE),
    ("销售经理", "管理本部门的客户，可转移客户、查看完整联系方式",
     {"customers": ["view", "create", "edit", "delete", "transfer", "export", "view_sensitive"],
      "activities": ["view", "create", "edit", "delete", "export"], **SALES_MANAGER}, DataScope.DEPARTMENT),
    ("销售", "跟进自己的客户",
     {"customers": ["view", "create", "edit", "delete", "export"], "activities": ["view", "create", "export"],
      **SELLER},
     DataScope.SELF),
    ("客服", "查看全部客户并记录服务跟进，不能修改客户资料",
     {"customers": ["view"], "activities": ["view", "create"], "service": "*"}, DataScope.ALL),
]

# (login, name, department, role, manager's login, share of the customers they own)
PEOPLE: list[tuple[str, str, str, str, str | None, int]] = [
    ("admin", "系统管理员", "总部", "管理员", None, 0),
    ("zhaomin", "赵敏", "销售部", "销售总监", None, 2),
    ("lijun", "李军", "销售一部", "销售经理", "zhaomin", 8),
    ("wangfang", "王芳", "销售一部", "销售", "lijun", 20),
    ("zhangwei", "张伟", "销售一部", "销售", "lijun", 16),
    ("liuyang", "刘洋", "销售二部", "销售经理", "zhaomin", 8),
    ("chenjing", "陈静", "销售二部", "销售", "liuyang", 18),
    ("yangfan", "杨帆", "大客户部", "销售经理", "zhaomin", 10),
    ("huanglei", "黄磊", "大客户部", "销售", "yangfan", 18),
    ("sunli", "孙丽", "客服部", "客服", None, 0),
]


@dataclass
class DemoCompany:
    users: dict[str, User]
    departments: dict[str, Department]
    tags: list[Tag]
    custom_fields: dict[str, CustomFieldDefinition]

    def owners(self) -> list[tuple[User, int]]:
        """Who owns the demo customers, with their weights."""
        return [(self.users[login], share) for login, *_rest, share in PEOPLE if share]


def _grants(verbs: dict[str, list[str] | str]) -> list[str]:
    known = all_actions()
    granted: list[str] = []
    for action in known:
        wanted = verbs.get(action.module, verbs.get("*"))
        if wanted == "*" or (isinstance(wanted, list) and action.code.split(".", 1)[1] in wanted):
            granted.append(action.code)
    return granted


def _role(name: str, description: str, verbs: dict[str, list[str] | str], scope: str,
          role: Role | None = None) -> Role:
    actions = _grants(verbs)
    scoped = {m for m in modules() if any(a.startswith(f"{m}.") for a in actions)}
    return org_services.role_save(actor=SYSTEM, role=role, name=name, description=description, actions=actions,
                                  scopes=dict.fromkeys(sorted(scoped), scope))


def refresh_roles() -> None:
    """Give the demo roles of an older demo database what they grant today (the sales modules)."""
    for name, description, verbs, scope in ROLES:
        role = Role.objects.filter(name=name).first()
        if role is not None:
            _role(name, description, verbs, scope, role)


def build_company() -> DemoCompany:
    departments: dict[str, Department] = {}
    for position, (name, parent) in enumerate(DEPARTMENTS):
        departments[name] = org_services.department_create(
            actor=SYSTEM, name=name, parent=departments[parent] if parent else None, position=position
        )
    roles = {name: _role(name, description, verbs, scope) for name, description, verbs, scope in ROLES}
    users: dict[str, User] = {}
    for i, (login, display, department, role, manager, _share) in enumerate(PEOPLE):
        users[login] = org_services.user_create(
            actor=SYSTEM, username=login, password=DEMO_PASSWORD, display_name=display,
            email=f"{login}@example.com", phone=f"1390000{i:04d}", department=departments[department],
            manager=users[manager] if manager else None, roles=[roles[role]], is_superuser=login == "admin",
        )
    tags = [customer_services.tag_create(actor=SYSTEM, name=name, color=color)
            for name, color, _share in vocabulary.TAGS]
    custom_fields = {
        "size": core_services.custom_field_create(
            actor=SYSTEM, entity="customers.customer", key="size", label="企业规模", kind=CustomFieldKind.CHOICE,
            choices=vocabulary.COMPANY_SIZES, position=1,
        ),
        "budget": core_services.custom_field_create(
            actor=SYSTEM, entity="customers.customer", key="budget", label="年采购预算（万元）",
            kind=CustomFieldKind.NUMBER, position=2,
        ),
    }
    return DemoCompany(users=users, departments=departments, tags=tags, custom_fields=custom_fields)
