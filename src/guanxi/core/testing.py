"""Test helpers shared by every app: a small company with every kind of user, and the
permission matrix that each entity's tests run against it.

The cast, like Healthchecks' alice, bob and charlie:
  alice  seller in 销售一部 (own records only)            — owns the record under test
  bob    seller in 销售一部, alice's colleague             — same team, must not see it
  carol  manager of 销售一部 (department scope), alice's manager
  dave   seller in 销售二部                                 — other department
  erin   signed in, no role at all                         — no permission
  root   superuser                                         — admin
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .scopes import DataScope

SELLER_ACTIONS = [
    "customers.view", "customers.create", "customers.edit", "customers.delete", "customers.export",
    "activities.view", "activities.create", "activities.export",
    "leads.view", "leads.create", "leads.edit", "leads.delete", "leads.convert", "leads.export",
    "opportunities.view", "opportunities.create", "opportunities.edit", "opportunities.delete",
    "opportunities.export",
    "products.view", "products.export", "quotes.view", "quotes.create", "quotes.edit", "quotes.delete",
    "quotes.export", "contracts.view", "contracts.create", "contracts.edit", "contracts.export", "targets.view",
]
MANAGER_ACTIONS = [*SELLER_ACTIONS, "customers.transfer", "customers.view_sensitive", "activities.edit",
                   "activities.delete", "leads.assign", "opportunities.transfer", "contracts.delete",
                   "contracts.record_payment"]
# Modules whose records have an owner and so a data scope: seller sees own, manager their department.
SCOPED_MODULES = ["customers", "activities", "leads", "opportunities", "quotes", "contracts", "targets"]


@dataclass
class Company:
    hq: object
    sales: object
    sales1: object
    sales2: object
    seller_role: object
    manager_role: object
    alice: object
    bob: object
    carol: object
    dave: object
    erin: object
    root: object

    def cast(self) -> dict[str, object]:
        return {n: getattr(self, n) for n in ("alice", "bob", "carol", "dave", "erin", "root")}


PASSWORD = "Guanxi-test-2026!"


def build_company() -> Company:
    from guanxi.org.models import Department, Role, User

    def dept(name: str, parent=None) -> Department:
        d = Department.objects.create(name=name, parent=parent)
        d.path = (parent.path if parent else "") + Department.path_segment(d.pk)
        d.depth = d.path.count(".") - 1
        d.save(update_fields=["path", "depth"])
        return d

    hq = dept("总部")
    sales = dept("销售部", hq)
    sales1 = dept("销售一部", sales)
    sales2 = dept("销售二部", sales)
    seller = Role.objects.create(
        name="销售", actions=SELLER_ACTIONS, scopes={m: DataScope.SELF for m in SCOPED_MODULES}
    )
    manager = Role.objects.create(
        name="销售经理", actions=MANAGER_ACTIONS, scopes={m: DataScope.DEPARTMENT for m in SCOPED_MODULES},
    )

    def user(username: str, display: str, department, role=None, manager_user=None, **extra) -> User:
        u = User.objects.create_user(username=username, password=PASSWORD, display_name=display,
                                     department=department, manager=manager_user, **extra)
        if role is not None:
            u.roles.add(role)
        return u

    carol = user("carol", "陈经理", sales1, manager)
    alice = user("alice", "王芳", sales1, seller, carol)
    bob = user("bob", "李强", sales1, seller, carol)
    dave = user("dave", "赵磊", sales2, seller)
    erin = user("erin", "孙丽", sales1)
    root = user("root", "管理员", hq, is_superuser=True, is_staff=True)
    return Company(hq, sales, sales1, sales2, seller, manager, alice, bob, carol, dave, erin, root)


# Who sees a record alice owns, by default.
ALICE_RECORD_VISIBLE = {"alice": True, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


def assert_matrix(company: Company, check: Callable[[object], bool], expected: dict[str, bool]) -> None:
    """Run `check(user)` for every member of the cast and compare with `expected` in one go."""
    actual = {name: bool(check(user)) for name, user in company.cast().items() if name in expected}
    assert actual == expected, f"permission matrix differs: expected {expected}, got {actual}"
