"""Fixtures for approval tests: customers registered as a throwaway approvable record type (their
"budget" custom field is the fact flows test), a finance role, and flow and request makers."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation

from guanxi.automation import services
from guanxi.automation.models import ApprovalRequest
from guanxi.automation.registry import register_approvable, unregister_approvable
from guanxi.core.errors import DomainError
from guanxi.core.models import CustomFieldDefinition
from guanxi.customers.choices import CustomerStatus
from guanxi.customers.models import Customer
from guanxi.org.models import Role

ENTITY = "customers.customer"
# A customer with this name makes the approve hook refuse, to show the decision rolls back with it.
REFUSED_BY_HOOK = "回调拒绝公司"


def submit(*, actor, record, comment: str = "") -> ApprovalRequest:
    """Submit a record a flow applies to."""
    request = services.approval_submit(actor=actor, record=record, comment=comment)
    assert request is not None, "no flow applied to the record"
    return request


@pytest.fixture(autouse=True)
def _english():
    """Assertions read English messages; the Chinese catalogue is checked by its own tests."""
    with translation.override("en"):
        yield


class HookCalls(list):
    """(hook, customer id, request id, actor username, inside a transaction) for every hook call."""

    def names(self) -> list[str]:
        return [c[0] for c in self]


def _hook(calls: HookCalls, name: str, status: str):
    def hook(record, request, actor):
        if name == "approved" and record.name == REFUSED_BY_HOOK:
            raise DomainError("refused", "the record refuses to be approved")
        calls.append((name, record.pk, request.pk, getattr(actor, "username", None), connection.in_atomic_block))
        # What an entity does here: set its own status through its own code.
        Customer.objects.filter(pk=record.pk).update(status=status)

    return hook


@pytest.fixture
def hook_calls(db):
    return HookCalls()


@pytest.fixture
def approvable(db, hook_calls):
    CustomFieldDefinition.objects.create(entity=ENTITY, key="budget", label="预算", kind="number")
    registration = register_approvable(
        ENTITY,
        verbose_name="客户",
        facts={"budget": lambda c: (c.custom or {}).get("budget"), "contacts": lambda c: c.contacts.count()},
        fact_labels={"budget": "预算"},
        title=lambda c: c.name,
        url=lambda c: reverse("customers:detail", args=[c.pk]),
        on_approved=_hook(hook_calls, "approved", CustomerStatus.WON),
        on_rejected=_hook(hook_calls, "rejected", CustomerStatus.LOST),
        on_returned=_hook(hook_calls, "returned", CustomerStatus.INTENT),
    )
    yield registration
    unregister_approvable(ENTITY)


@pytest.fixture
def finance(company):
    """The 财务 role, held by dave and erin; it grants no action by itself."""
    role = Role.objects.create(name="财务", actions=[], scopes={})
    company.dave.roles.add(role)
    company.erin.roles.add(role)
    return role


@pytest.fixture
def make_flow(company, approvable):
    """`make_flow(steps, conditions=(), name=…, position=0)` creates a flow as root; a step is a dict of
    kind/user/role/levels/name."""

    def create(steps, conditions=(), *, name="大额客户审批", position=0, is_active=True):
        return services.approval_flow_create(
            actor=company.root, data={"entity": ENTITY, "name": name, "position": position, "is_active": is_active},
            conditions=list(conditions), steps=list(steps))

    return create


@pytest.fixture
def big_customer(company, make_customer, approvable):
    """alice's customer with a budget of 150,000."""
    return make_customer(company.alice, "杭州云栖科技有限公司", custom={"budget": "150000"})


@pytest.fixture
def manager_then_finance(make_flow, finance):
    """Budget ≥ 100,000: carol (alice's manager), then anyone in 财务."""
    return make_flow([{"kind": "manager"}, {"kind": "role", "role": finance, "name": "财务复核"}],
                     [{"fact": "budget", "operator": "gte", "value": "100000"}])


@pytest.fixture
def submitted(company, big_customer, manager_then_finance):
    """alice has submitted her big customer; carol decides step 1."""
    with transaction.atomic():
        return submit(actor=company.alice, record=big_customer, comment="请审批")
