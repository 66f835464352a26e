"""Two approvers deciding the same step at the same moment, from two threads with their own
database connections: exactly one decision counts, the other is told someone decided first."""

import threading

import pytest
from django.db import OperationalError, connection

from guanxi.automation import services
from guanxi.automation.choices import RequestStatus, TaskStatus
from guanxi.automation.models import ApprovalRequest, ApprovalTask
from guanxi.automation.registry import register_approvable, unregister_approvable
from guanxi.core.errors import Conflict
from guanxi.core.models import AuditEvent
from guanxi.customers.choices import CustomerStatus
from guanxi.org.models import User

from .conftest import ENTITY, submit

pytestmark = pytest.mark.django_db(transaction=True)


def _decide(username: str, request: ApprovalRequest, decision: str, comment: str = "") -> str:
    actor = User.objects.get(username=username)
    for _attempt in range(500):
        try:
            services.approval_decide(actor=actor, request=request, decision=decision, comment=comment)
            return "decided"
        except Conflict:
            return "conflict"
        except OperationalError:
            # SQLite's shared in-memory test database reports a table another connection is writing as
            # locked at once, where a database file waits (busy_timeout); wait and try again the same way.
            threading.Event().wait(0.01)
    return "locked"


def _at_once(request_pk: int, attempts: list[tuple[str, str, str]]) -> list[str]:
    """Each (username, decision, comment) loads the request, waits for all the others, then decides."""
    barrier = threading.Barrier(len(attempts))
    outcome = [""] * len(attempts)

    def run(i: int, username: str, decision: str, comment: str) -> None:
        try:
            request = ApprovalRequest.objects.get(pk=request_pk)
            barrier.wait(timeout=10)
            outcome[i] = _decide(username, request, decision, comment)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcome


@pytest.mark.parametrize("run", range(3))
def test_two_role_holders_deciding_at_once_settle_the_step_once(company, big_customer, make_flow, finance,
                                                                hook_calls, run):
    make_flow([{"kind": "role", "role": finance}])
    request = submit(actor=company.alice, record=big_customer)
    outcome = _at_once(request.pk, [("dave", "approve", ""), ("erin", "reject", "不同意")])
    assert sorted(outcome) == ["conflict", "decided"], outcome
    winner, loser = ("dave", "erin") if outcome[0] == "decided" else ("erin", "dave")
    request.refresh_from_db()
    assert request.status == (RequestStatus.APPROVED if winner == "dave" else RequestStatus.REJECTED)
    statuses = dict(ApprovalTask.objects.filter(request=request).values_list("approver__username", "status"))
    assert statuses[loser] == TaskStatus.SKIPPED
    # Only the winner's hook took effect. (A thread that met SQLite's lock after its hook ran was rolled
    # back and tried again, so the in-memory list of calls may hold its undone call too.)
    big_customer.refresh_from_db()
    assert big_customer.status == (CustomerStatus.WON if winner == "dave" else CustomerStatus.LOST)
    decided = AuditEvent.objects.filter(object_id=str(request.pk),
                                        action__in=["approval.approved", "approval.rejected"])
    assert list(decided.values_list("actor__username", flat=True)) == [winner]
    assert hook_calls and hook_calls[-1][3] == winner


def test_two_tabs_of_the_same_approver_decide_once(company, big_customer, make_flow, hook_calls):
    make_flow([{"kind": "manager"}, {"kind": "user", "user": company.root}])
    request = submit(actor=company.alice, record=big_customer)
    outcome = _at_once(request.pk, [("carol", "approve", ""), ("carol", "approve", "")])
    assert sorted(outcome) == ["conflict", "decided"], outcome
    request.refresh_from_db()
    assert request.current_step == 2 and request.status == RequestStatus.PENDING
    assert ApprovalTask.objects.filter(request=request, status=TaskStatus.APPROVED).count() == 1


def test_a_decision_waiting_behind_another_finds_the_step_taken(company, big_customer, make_flow, finance,
                                                                approvable):
    """dave's decision is still inside its transaction when erin's starts: erin's claim of the step
    (the conditional UPDATE) waits for dave's to commit, then matches no row."""
    dave_holds_the_step, erin_is_deciding = threading.Event(), threading.Event()
    approved_by = []

    def slow_on_approved(record, request, actor):
        approved_by.append(actor.username)
        dave_holds_the_step.set()
        erin_is_deciding.wait(timeout=10)
        threading.Event().wait(0.5)  # time for erin's UPDATE to reach dave's row lock

    register_approvable(ENTITY, verbose_name="客户", facts=approvable.facts, title=approvable.title,
                        url=approvable.url, on_approved=slow_on_approved)
    try:
        make_flow([{"kind": "role", "role": finance}])
        request = submit(actor=company.alice, record=big_customer)
        stale = ApprovalRequest.objects.get(pk=request.pk)  # what erin's page shows: step 1 still open
        outcome: dict[str, str] = {}

        def as_dave() -> None:
            try:
                outcome["dave"] = _decide("dave", ApprovalRequest.objects.get(pk=request.pk), "approve")
            finally:
                connection.close()

        def as_erin() -> None:
            try:
                dave_holds_the_step.wait(timeout=10)
                erin_is_deciding.set()
                outcome["erin"] = _decide("erin", stale, "approve")
            finally:
                connection.close()

        threads = [threading.Thread(target=as_dave), threading.Thread(target=as_erin)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        unregister_approvable(ENTITY)
    assert outcome == {"dave": "decided", "erin": "conflict"}
    assert approved_by == ["dave"]
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert dict(ApprovalTask.objects.filter(request=request).values_list("approver__username", "status")) == {
        "dave": TaskStatus.APPROVED, "erin": TaskStatus.SKIPPED}
