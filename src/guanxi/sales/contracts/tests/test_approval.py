"""Contracts through the general approval engine: amount thresholds, approve, reject, return, withdraw."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from guanxi.automation.models import ApprovalRequest
from guanxi.automation.selectors import approval_pending_for
from guanxi.automation.services import approval_decide, approval_flow_create, approval_withdraw
from guanxi.core.errors import DomainError
from guanxi.core.models import AuditEvent
from guanxi.core.system import SYSTEM
from guanxi.customers.models import Customer
from guanxi.sales.contracts import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_contracts_need_carol(company):
    """Contracts of 500,000 or more need the sales manager's approval."""
    return approval_flow_create(actor=SYSTEM, data={"entity": "contracts.contract", "name": "大额合同"},
                                conditions=[{"fact": "amount", "operator": "gte", "value": "500000"}],
                                steps=[{"kind": "user", "user": company.carol}])


def _pending(contract) -> ApprovalRequest:
    request = approval_pending_for(contract)
    assert request is not None
    return request


def _submitted(make_contract, owner, amount):
    contract = make_contract(owner, amount)
    services.contract_submit(actor=owner, contract=contract, comment="请审批")
    contract.refresh_from_db()
    return contract


def test_below_the_threshold_it_comes_into_force_at_once(company, make_contract, big_contracts_need_carol):
    contract = _submitted(make_contract, company.alice, "499999.99")
    assert contract.status == "active"
    assert approval_pending_for(contract) is None


def test_above_the_threshold_it_waits_and_is_locked(company, make_contract, big_contracts_need_carol):
    contract = _submitted(make_contract, company.alice, "500000")
    assert contract.status == "pending_approval"
    request = approval_pending_for(contract)
    assert request is not None and Decimal(request.facts["amount"]) == Decimal("500000")
    with pytest.raises(DomainError):
        services.contract_update(actor=company.alice, contract=contract, data={"notes": "改一下"})
    customer = Customer.objects.get(pk=contract.customer_id)
    assert customer.last_deal_at is None


def test_approval_brings_it_into_force_and_notes_the_deal(company, make_contract, big_contracts_need_carol):
    contract = _submitted(make_contract, company.alice, "800000")
    approval_decide(actor=company.carol, request=_pending(contract), decision="approve")
    contract.refresh_from_db()
    assert contract.status == "active" and contract.activated_at is not None
    assert Customer.objects.get(pk=contract.customer_id).last_deal_at == contract.activated_at
    event = AuditEvent.objects.get(action="contract.activated", object_id=str(contract.pk))
    assert event.actor == company.carol


@pytest.mark.parametrize("decision,action", [("reject", "contract.rejected"), ("return", "contract.returned")])
def test_reject_or_return_makes_it_a_draft_with_the_comment(company, make_contract, big_contracts_need_carol,
                                                             decision, action):
    contract = _submitted(make_contract, company.alice, "800000")
    approval_decide(actor=company.carol, request=_pending(contract), decision=decision,
                    comment="付款条件要改成三期")
    contract.refresh_from_db()
    assert contract.status == "draft" and contract.approval_comment == "付款条件要改成三期"
    assert AuditEvent.objects.filter(action=action, object_id=str(contract.pk)).exists()
    # the owner changes it and submits again
    services.contract_update(actor=company.alice, contract=contract, data={"notes": "已改为三期"})
    services.contract_submit(actor=company.alice, contract=contract)
    contract.refresh_from_db()
    assert contract.status == "pending_approval" and contract.approval_comment == ""


def test_withdrawing_returns_it_to_draft(company, make_contract, big_contracts_need_carol):
    contract = _submitted(make_contract, company.alice, "800000")
    approval_withdraw(actor=company.alice, request=_pending(contract))
    contract.refresh_from_db()
    assert contract.status == "draft"


def test_the_contract_page_shows_the_approver_their_decision(company, make_contract, login,
                                                          big_contracts_need_carol):
    contract = _submitted(make_contract, company.alice, "800000")
    decide = reverse("automation:decide", args=[_pending(contract).pk])
    url = reverse("contracts:detail", args=[contract.pk])
    assert decide in login(company.carol).get(url).content.decode()
    owner_view = login(company.alice).get(url).content.decode()
    assert decide not in owner_view and "大额合同" in owner_view
    assert reverse("contracts:edit", args=[contract.pk]) not in owner_view  # locked while it waits
