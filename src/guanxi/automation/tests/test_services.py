"""The approval engine's services: which flow applies, who approves, deciding step by step, the
entity's callbacks inside the deciding transaction, withdrawing, and what is refused."""

from decimal import Decimal

import pytest
from django.db import transaction

from guanxi.automation import selectors, services
from guanxi.automation.choices import RequestStatus, TaskStatus
from guanxi.automation.models import ApprovalRequest, ApprovalTask
from guanxi.automation.registry import register_approvable, unregister_approvable
from guanxi.core import events
from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.customers.choices import CustomerStatus
from guanxi.customers.models import Customer

from .conftest import ENTITY, REFUSED_BY_HOOK, submit

pytestmark = pytest.mark.django_db


def tasks(request) -> list[tuple[int, str, str]]:
    return list(ApprovalTask.objects.filter(request=request).order_by("step", "pk")
                .values_list("step", "approver__username", "status"))


# -- which flow applies --


def test_no_matching_flow_means_no_request(company, make_customer, make_flow, manager_then_finance):
    small = make_customer(company.alice, "小客户", custom={"budget": "99999.99"})
    assert services.approval_submit(actor=company.alice, record=small) is None
    assert not ApprovalRequest.objects.exists()


def test_a_fact_the_record_lacks_never_matches(company, make_customer, manager_then_finance):
    unknown_budget = make_customer(company.alice, "预算未知")
    assert services.approval_submit(actor=company.alice, record=unknown_budget) is None


def test_the_first_active_flow_by_priority_applies(company, big_customer, make_flow):
    make_flow([{"kind": "user", "user": company.root}], name="停用的", position=0, is_active=False)
    make_flow([{"kind": "user", "user": company.bob}], [{"fact": "budget", "operator": "gt", "value": "200000"}],
              name="超大额", position=1)
    make_flow([{"kind": "manager"}], [{"fact": "budget", "operator": "gte", "value": "100000"},
                                      {"fact": "contacts", "operator": "lt", "value": "5"}], name="大额", position=2)
    make_flow([{"kind": "user", "user": company.dave}], name="兜底", position=3)
    request = submit(actor=company.alice, record=big_customer)
    assert request.flow_name == "大额"
    assert tasks(request) == [(1, "carol", TaskStatus.PENDING)]


def test_submit_snapshots_title_and_facts_and_assigns_every_step(company, big_customer, manager_then_finance,
                                                                  django_capture_on_commit_callbacks):
    received = []
    events.subscribe("approval.submitted", lambda kind, payload: received.append(payload))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            request = submit(actor=company.alice, record=big_customer, comment=" 请审批 ")
    finally:
        events._subscribers["approval.submitted"].clear()
    assert request.status == RequestStatus.PENDING and request.current_step == 1 and request.step_count == 2
    assert request.title == "杭州云栖科技有限公司"
    assert request.facts == {"budget": "150000", "contacts": "0"}
    assert request.comment == "请审批"
    assert tasks(request) == [(1, "carol", TaskStatus.PENDING), (2, "dave", TaskStatus.WAITING),
                              (2, "erin", TaskStatus.WAITING)]
    event = AuditEvent.objects.get(action="approval.submitted")
    assert event.timeline_key == f"{ENTITY}:{big_customer.pk}" and event.actor == company.alice
    assert received == [{"id": request.pk, "entity": ENTITY, "object_id": big_customer.pk,
                         "flow": manager_then_finance.pk, "submitter": company.alice.pk}]
    # the snapshot stays when the record changes afterwards
    Customer.objects.filter(pk=big_customer.pk).update(name="改名了", custom={"budget": "1"})
    assert ApprovalRequest.objects.get().title == "杭州云栖科技有限公司"


def test_a_record_already_pending_cannot_be_submitted_again(company, big_customer, submitted):
    with pytest.raises(DomainError) as exc:
        submit(actor=company.alice, record=big_customer)
    assert exc.value.code == "approval_pending"
    assert ApprovalRequest.objects.count() == 1


def test_a_record_out_of_scope_or_not_registered_cannot_be_submitted(company, big_customer, manager_then_finance):
    with pytest.raises(NotFound):
        submit(actor=company.bob, record=big_customer)
    with pytest.raises(DomainError) as exc:
        submit(actor=company.alice, record=company.alice)
    assert exc.value.code == "not_approvable"
    assert not ApprovalRequest.objects.exists()


# -- who approves --


def test_a_missing_manager_is_a_clear_error_for_the_submitter(company, make_customer, make_flow):
    make_flow([{"kind": "manager"}])
    customer = make_customer(company.dave, "赵磊的客户")  # dave has no manager
    with pytest.raises(DomainError) as exc:
        submit(actor=company.dave, record=customer)
    assert "no manager is set for you" in str(exc.value.message)
    assert exc.value.errors["__all__"]
    assert not ApprovalRequest.objects.exists()


def test_manager_chain_levels_up(company, make_customer, make_flow):
    company.carol.manager = company.root
    company.carol.save(update_fields=["manager"])
    make_flow([{"kind": "manager_chain", "levels": 2}])
    request = submit(actor=company.alice, record=make_customer(company.alice))
    assert tasks(request) == [(1, "root", TaskStatus.PENDING)]


def test_a_chain_shorter_than_the_levels_is_refused(company, make_customer, make_flow):
    make_flow([{"kind": "manager_chain", "levels": 3}])
    with pytest.raises(DomainError) as exc:
        submit(actor=company.alice, record=make_customer(company.alice))
    assert "ends after 1" in str(exc.value.message)


def test_a_deactivated_named_approver_is_refused_at_submit(company, make_customer, make_flow):
    make_flow([{"kind": "user", "user": company.bob}])
    company.bob.is_active = False
    company.bob.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as exc:
        submit(actor=company.alice, record=make_customer(company.alice))
    assert "names nobody who can approve" in str(exc.value.message)


def test_a_role_step_skips_the_submitter_unless_they_alone_hold_it(company, make_customer, make_flow, finance):
    make_flow([{"kind": "role", "role": finance}])
    by_dave = submit(actor=company.dave, record=make_customer(company.dave, "赵磊的客户"))
    assert tasks(by_dave) == [(1, "erin", TaskStatus.PENDING)]
    company.erin.roles.remove(finance)
    with transaction.atomic():
        alone = submit(actor=company.dave, record=make_customer(company.dave, "第二个"))
    assert tasks(alone) == [(1, "dave", TaskStatus.PENDING)]
    services.approval_decide(actor=company.dave, request=alone, decision="approve")
    assert ApprovalRequest.objects.get(pk=alone.pk).status == RequestStatus.APPROVED


def test_the_submitter_is_not_an_approver_unless_designated(company, submitted):
    with pytest.raises(Forbidden):
        services.approval_decide(actor=company.alice, request=submitted, decision="approve")
    assert ApprovalRequest.objects.get().current_step == 1


# -- deciding --


def test_approving_every_step_approves_inside_the_same_transaction(company, big_customer, submitted, hook_calls,
                                                                   django_capture_on_commit_callbacks):
    decided = []
    events.subscribe("approval.decided", lambda kind, payload: decided.append(payload["status"]))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.approval_decide(actor=company.carol, request=submitted, decision="approve", comment="同意")
        submitted.refresh_from_db()
        assert submitted.status == RequestStatus.PENDING and submitted.current_step == 2
        assert tasks(submitted) == [(1, "carol", TaskStatus.APPROVED), (2, "dave", TaskStatus.PENDING),
                                    (2, "erin", TaskStatus.PENDING)]
        assert hook_calls == []
        with django_capture_on_commit_callbacks(execute=True):
            services.approval_decide(actor=company.erin, request=submitted, decision="approve")
    finally:
        events._subscribers["approval.decided"].clear()
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.APPROVED and submitted.finished_at is not None
    # the first 财务 holder to decide settles the step for both
    assert tasks(submitted) == [(1, "carol", TaskStatus.APPROVED), (2, "dave", TaskStatus.SKIPPED),
                                (2, "erin", TaskStatus.APPROVED)]
    assert hook_calls == [("approved", big_customer.pk, submitted.pk, "erin", True)]
    assert Customer.objects.get(pk=big_customer.pk).status == CustomerStatus.WON
    assert decided == [RequestStatus.PENDING, RequestStatus.APPROVED]
    actions = list(AuditEvent.objects.filter(timeline_key=f"{ENTITY}:{big_customer.pk}", action__startswith="approval.")
                   .order_by("id").values_list("action", "actor__username", "changes"))
    assert actions == [
        ("approval.submitted", "alice", {"status": [None, "pending"]}),
        ("approval.approved", "carol", {"current_step": [1, 2], "comment": [None, "同意"]}),
        ("approval.approved", "erin", {"status": ["pending", "approved"]}),
    ]
    assert [(e.what, e.who.username) for e in selectors.request_history(
        selectors.approval_request_get(actor=company.alice, id=submitted.pk))] == [
        ("submitted", "alice"), ("approved", "carol"), ("approved", "erin")]


@pytest.mark.parametrize("decision, status, hook, customer_status", [
    ("reject", RequestStatus.REJECTED, "rejected", CustomerStatus.LOST),
    ("return", RequestStatus.RETURNED, "returned", CustomerStatus.INTENT),
])
def test_reject_and_send_back_end_the_request_and_call_the_entity(company, big_customer, submitted, hook_calls,
                                                                  decision, status, hook, customer_status):
    services.approval_decide(actor=company.carol, request=submitted, decision=decision, comment="折扣太大")
    submitted.refresh_from_db()
    assert submitted.status == status
    assert tasks(submitted) == [(1, "carol", status), (2, "dave", TaskStatus.CANCELLED),
                                (2, "erin", TaskStatus.CANCELLED)]
    assert hook_calls.names() == [hook]
    assert Customer.objects.get(pk=big_customer.pk).status == customer_status
    assert ApprovalTask.objects.get(approver=company.carol).comment == "折扣太大"
    # once ended, the record can be submitted again (after the seller's changes)
    again = submit(actor=company.alice, record=big_customer)
    assert again.pk != submitted.pk and again.status == RequestStatus.PENDING


@pytest.mark.parametrize("decision", ["reject", "return"])
@pytest.mark.parametrize("comment", ["", "   "])
def test_reject_and_send_back_need_a_comment(company, submitted, hook_calls, decision, comment):
    with pytest.raises(DomainError) as exc:
        services.approval_decide(actor=company.carol, request=submitted, decision=decision, comment=comment)
    assert "comment" in exc.value.errors
    assert ApprovalRequest.objects.get().status == RequestStatus.PENDING
    assert hook_calls == []


@pytest.mark.parametrize("decision, comment, field", [
    ("maybe", "", "decision"),
    ("approve", "x" * 2001, "comment"),
    ("reject", "bad\x00byte", "comment"),
])
def test_bad_decisions_are_refused(company, submitted, decision, comment, field):
    with pytest.raises(DomainError) as exc:
        services.approval_decide(actor=company.carol, request=submitted, decision=decision, comment=comment)
    assert field in exc.value.errors
    assert tasks(submitted)[0] == (1, "carol", TaskStatus.PENDING)


def test_only_the_approvers_of_the_current_step_decide(company, submitted):
    for someone in (company.dave, company.erin, company.root, company.bob):
        with pytest.raises(Forbidden):
            services.approval_decide(actor=someone, request=submitted, decision="approve")
    assert ApprovalRequest.objects.get().current_step == 1


def test_the_system_actor_cannot_decide_even_a_step_whose_approver_is_gone(company, submitted):
    from guanxi.core.system import SYSTEM

    ApprovalTask.objects.filter(approver=company.carol).update(approver=None)
    with pytest.raises(Forbidden):
        services.approval_decide(actor=SYSTEM, request=submitted, decision="approve")
    assert ApprovalRequest.objects.get().current_step == 1


def test_a_stale_request_cannot_decide_a_step_twice(company, submitted):
    stale = ApprovalRequest.objects.get(pk=submitted.pk)
    services.approval_decide(actor=company.carol, request=submitted, decision="approve")
    with pytest.raises(Conflict):
        services.approval_decide(actor=company.carol, request=stale, decision="reject", comment="反悔")
    assert tasks(submitted)[0] == (1, "carol", TaskStatus.APPROVED)


def test_a_hook_that_refuses_undoes_the_decision(company, make_customer, make_flow):
    make_flow([{"kind": "manager"}])
    customer = make_customer(company.alice, REFUSED_BY_HOOK)
    request = submit(actor=company.alice, record=customer)
    with pytest.raises(DomainError):
        services.approval_decide(actor=company.carol, request=request, decision="approve")
    assert (request.status, request.finished_at) == (RequestStatus.PENDING, None)  # the caller's object too
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and request.current_step == 1
    assert tasks(request) == [(1, "carol", TaskStatus.PENDING)]
    assert not AuditEvent.objects.filter(action="approval.approved").exists()


def test_a_request_whose_record_was_deleted_can_still_be_settled(company, big_customer, submitted, hook_calls):
    Customer.objects.filter(pk=big_customer.pk).delete()
    services.approval_decide(actor=company.carol, request=submitted, decision="reject", comment="客户已删除")
    assert ApprovalRequest.objects.get().status == RequestStatus.REJECTED
    assert hook_calls == []  # nothing left to tell
    assert selectors.record_url(ApprovalRequest.objects.get()) is None


def test_editing_the_flow_leaves_requests_under_way_alone(company, submitted, manager_then_finance):
    services.approval_flow_update(actor=company.root, flow=manager_then_finance, data={"name": "改过的流程"},
                                  steps=[{"kind": "user", "user": company.bob}])
    services.approval_decide(actor=company.carol, request=submitted, decision="approve")
    submitted.refresh_from_db()
    assert submitted.flow_name == "大额客户审批"
    assert [t[1] for t in tasks(submitted) if t[2] == TaskStatus.PENDING] == ["dave", "erin"]
    services.approval_flow_delete(actor=company.root, flow=manager_then_finance)
    services.approval_decide(actor=company.dave, request=ApprovalRequest.objects.get(), decision="approve")
    assert ApprovalRequest.objects.get().status == RequestStatus.APPROVED


# -- withdrawing --


def test_the_submitter_withdraws_and_the_record_is_returned(company, big_customer, submitted, hook_calls):
    with pytest.raises(Forbidden):
        services.approval_withdraw(actor=company.carol, request=submitted)
    services.approval_withdraw(actor=company.alice, request=submitted)
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.WITHDRAWN
    assert {t[2] for t in tasks(submitted)} == {TaskStatus.CANCELLED}
    # without an on_withdrawn hook the entity hears "returned": the record is editable again
    assert hook_calls.names() == ["returned"]
    assert AuditEvent.objects.filter(action="approval.withdrawn", timeline_key=f"{ENTITY}:{big_customer.pk}")
    with pytest.raises(Conflict):
        services.approval_withdraw(actor=company.alice, request=submitted)
    with pytest.raises(Conflict):
        services.approval_decide(actor=company.carol, request=submitted, decision="approve")


def test_a_decided_request_cannot_be_withdrawn(company, make_customer, make_flow):
    make_flow([{"kind": "manager"}])
    request = submit(actor=company.alice, record=make_customer(company.alice))
    services.approval_decide(actor=company.carol, request=request, decision="approve")
    with pytest.raises(Conflict):
        services.approval_withdraw(actor=company.alice, request=ApprovalRequest.objects.get())
    assert ApprovalRequest.objects.get().status == RequestStatus.APPROVED


def test_an_on_withdrawn_hook_is_preferred(company, make_customer, make_flow, approvable):
    heard = []
    register_approvable(ENTITY, verbose_name="客户", facts=approvable.facts, title=approvable.title,
                        url=approvable.url, on_returned=lambda *a: heard.append("returned"),
                        on_withdrawn=lambda *a: heard.append("withdrawn"))
    try:
        make_flow([{"kind": "manager"}])
        request = submit(actor=company.alice, record=make_customer(company.alice))
        services.approval_withdraw(actor=company.alice, request=request)
    finally:
        unregister_approvable(ENTITY)
    assert heard == ["withdrawn"]


# -- reading --


def test_pending_and_history_of_a_record(company, big_customer, submitted):
    assert selectors.approval_pending_for(big_customer) == submitted
    services.approval_decide(actor=company.carol, request=submitted, decision="return", comment="补充材料")
    assert selectors.approval_pending_for(big_customer) is None
    again = submit(actor=company.alice, record=big_customer)
    history = selectors.approval_history(actor=company.carol, record=big_customer)
    assert [r.pk for r in history] == [again.pk, submitted.pk]
    with pytest.raises(NotFound):
        selectors.approval_history(actor=company.bob, record=big_customer)


def test_facts_are_read_as_exact_numbers(approvable, company, make_customer):
    customer = make_customer(company.alice, custom={"budget": "100000.10"})
    assert approvable.read_facts(customer)["budget"] == str(Decimal("100000.10"))
