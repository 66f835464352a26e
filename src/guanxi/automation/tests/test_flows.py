"""Configuring approval flows: who may, and the clear errors for a flow that could never work."""

import pytest

from guanxi.automation import services
from guanxi.automation.models import ApprovalFlow, ApprovalStep
from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.testing import assert_matrix

from .conftest import ENTITY

pytestmark = pytest.mark.django_db

MANAGER_STEP = [{"kind": "manager"}]


def create(actor, *, entity=ENTITY, name="大额审批", conditions=(), steps=MANAGER_STEP, **data):
    return services.approval_flow_create(actor=actor, data={"entity": entity, "name": name, **data},
                                         conditions=list(conditions), steps=list(steps))


def test_only_flow_admins_configure_flows(company, approvable):
    def can_create(user):
        try:
            create(user, name=f"{user.username} 的流程")
        except Forbidden:
            return False
        return True

    assert_matrix(company, can_create, {"alice": False, "bob": False, "carol": False, "dave": False,
                                        "erin": False, "root": True})
    assert list(ApprovalFlow.objects.values_list("name", flat=True)) == ["root 的流程"]


def test_a_flow_with_conditions_and_every_kind_of_step(company, approvable, finance):
    flow = create(company.root, conditions=[{"fact": "budget", "operator": "gte", "value": "100,000"},
                                            {"fact": "contacts", "operator": "lt", "value": 3}],
                  steps=[{"kind": "user", "user": company.bob, "name": " 指定人 "}, {"kind": "manager"},
                         {"kind": "manager_chain", "levels": 2}, {"kind": "role", "role": finance}],
                  position=5, is_active=False)
    assert flow.conditions == [{"fact": "budget", "operator": "gte", "value": "100000"},
                               {"fact": "contacts", "operator": "lt", "value": "3"}]
    steps = list(ApprovalStep.objects.filter(flow=flow).values_list("position", "kind", "name", "user__username",
                                                                      "role__name", "levels"))
    assert steps == [(1, "user", "指定人", "bob", None, 1), (2, "manager", "", None, None, 1),
                     (3, "manager_chain", "", None, None, 2), (4, "role", "", None, "财务", 1)]
    assert (flow.position, flow.is_active) == (5, False)
    event = AuditEvent.objects.get(action="approval_flow.created")
    assert event.changes["steps"][1] == ["指定人", "Submitter's manager", "Manager 2 levels up",
                                         "Anyone with the role 财务"]


@pytest.mark.parametrize("kwargs, field", [
    ({"steps": []}, "steps"),
    ({"steps": [{"kind": "user"}]}, "steps.0.user"),
    ({"steps": [{"kind": "role", "role": None}]}, "steps.0.role"),
    ({"steps": [{"kind": "manager_chain", "levels": 0}]}, "steps.0.levels"),
    ({"steps": [{"kind": "manager_chain", "levels": 11}]}, "steps.0.levels"),
    ({"steps": [{"kind": "boss"}]}, "steps.0.kind"),
    ({"steps": [{"kind": "manager", "name": "x" * 81}]}, "steps.0.name"),
    ({"steps": [{"kind": "manager"}] * 21}, "steps"),
    ({"conditions": [{"fact": "profit", "operator": "gt", "value": "1"}]}, "conditions.0.fact"),
    ({"conditions": [{"fact": "budget", "operator": "like", "value": "1"}]}, "conditions.0.operator"),
    ({"conditions": [{"fact": "budget", "operator": "gt", "value": "十万"}]}, "conditions.0.value"),
    ({"conditions": [{"fact": "budget", "operator": "gt", "value": "NaN"}]}, "conditions.0.value"),
    ({"conditions": [{"fact": "budget", "operator": "gt", "value": "1e20"}]}, "conditions.0.value"),
    ({"conditions": [{"fact": "budget", "operator": "gt", "value": True}]}, "conditions.0.value"),
    ({"conditions": [{"fact": "budget", "operator": "gt", "value": "1"}] * 21}, "conditions"),
    ({"entity": "customers.contact"}, "entity"),
    ({"entity": "<script>"}, "entity"),
    ({"name": "  "}, "name"),
    ({"name": "流" * 81}, "name"),
    ({"position": -1}, "position"),
])
def test_a_flow_that_could_not_work_is_refused_with_a_field_error(company, approvable, kwargs, field):
    with pytest.raises(DomainError) as exc:
        create(company.root, **kwargs)
    assert field in exc.value.errors, exc.value.errors
    assert not ApprovalFlow.objects.exists() and not ApprovalStep.objects.exists()


def test_a_deactivated_user_cannot_be_named_as_approver(company, approvable):
    company.bob.is_active = False
    company.bob.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as exc:
        create(company.root, steps=[{"kind": "user", "user": company.bob}])
    assert "steps.0.user" in exc.value.errors


def test_update_replaces_conditions_and_steps_and_refuses_a_stale_version(company, approvable):
    flow = create(company.root)
    services.approval_flow_update(actor=company.root, flow=flow, data={"name": "改名", "position": 3},
                                  conditions=[{"fact": "budget", "operator": "gt", "value": "5"}],
                                  steps=[{"kind": "user", "user": company.carol}, {"kind": "manager"}], version=1)
    flow.refresh_from_db()
    assert (flow.name, flow.position, flow.version) == ("改名", 3, 2)
    assert list(flow.steps.values_list("kind", flat=True)) == ["user", "manager"]
    stale = ApprovalFlow.objects.get(pk=flow.pk)
    stale.version = 1
    with pytest.raises(Conflict):
        services.approval_flow_update(actor=company.root, flow=stale, data={"name": "旧页面"}, version=1)
    assert ApprovalFlow.objects.get().name == "改名"
    with pytest.raises(DomainError):
        services.approval_flow_update(actor=company.root, flow=flow, data={"entity": "quotes.quote"})
    with pytest.raises(DomainError) as exc:
        services.approval_flow_update(actor=company.root, flow=flow, data={}, steps=[])
    assert "steps" in exc.value.errors
    assert ApprovalFlow.objects.get().steps.count() == 2


def test_editing_a_flow_deleted_meanwhile_is_not_found(company, approvable):
    flow = create(company.root)
    services.approval_flow_delete(actor=ApprovalFlow.objects.get().created_by, flow=ApprovalFlow.objects.get())
    with pytest.raises(NotFound):
        services.approval_flow_update(actor=company.root, flow=flow, data={"name": "x"}, version=1)


def test_only_flow_admins_delete_flows(company, approvable):
    flow = create(company.root)
    with pytest.raises(Forbidden):
        services.approval_flow_delete(actor=company.carol, flow=flow)
    services.approval_flow_delete(actor=company.root, flow=flow)
    assert not ApprovalFlow.objects.exists() and not ApprovalStep.objects.exists()
    assert AuditEvent.objects.filter(action="approval_flow.deleted").exists()
