"""Contract and receivable services: the rules of the business, the audit trail and the balances."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.customers.models import Customer
from guanxi.sales.contracts import services
from guanxi.sales.contracts.models import Contract, Instalment, Payment

from .conftest import days, today

pytestmark = pytest.mark.django_db

D = Decimal


def _pay(actor, contract, amount, instalment=None, **data):
    return services.payment_record(actor=actor, contract=contract, data={
        "amount": D(amount), "received_on": today(), "instalment": instalment, **data})


def _plan(actor, contract, amount, due=30, **data):
    return services.instalment_create(actor=actor, contract=contract,
                                      data={"due_on": days(due), "amount": D(amount), **data})


def assert_balances_hold(contract: Contract) -> None:
    """The running totals equal the sums of the payments that are not reversed."""
    contract.refresh_from_db()
    live = Payment.objects.filter(contract=contract, reversed_at__isnull=True)
    assert contract.received_amount == (live.aggregate(s=Sum("amount"))["s"] or D(0))
    for instalment in contract.instalments.all():
        paid = live.filter(instalment=instalment).aggregate(s=Sum("amount"))["s"] or D(0)
        assert instalment.received_amount == paid, instalment.sequence


# -- creating --


def test_create_numbers_the_contract_and_audits_it(company, make_customer):
    customer = make_customer(company.alice)
    first = services.contract_create(actor=company.alice, data={"title": "合同一", "customer": customer,
                                                                "amount": D("1000")})
    second = services.contract_create(actor=company.alice, data={"title": "合同二", "customer": customer,
                                                                 "amount": D("2000")})
    year = today().year
    assert first.number == f"HT-{year}-000001" and second.number == f"HT-{year}-000002"
    assert first.status == "draft" and first.owner == company.alice and first.department == company.sales1
    event = AuditEvent.objects.get(action="contract.created", object_id=str(first.pk))
    assert event.changes["title"] == [None, "合同一"]


def test_a_refused_create_takes_no_number(company, make_customer):
    customer = make_customer(company.alice)
    with pytest.raises(DomainError):
        services.contract_create(actor=company.alice, data={"title": "", "customer": customer, "amount": D("1")})
    ok = services.contract_create(actor=company.alice, data={"title": "合同", "customer": customer, "amount": D("1")})
    assert ok.number.endswith("-000001")


def test_end_date_before_start_is_refused(company, make_customer):
    customer = make_customer(company.alice)
    with pytest.raises(DomainError) as exc:
        services.contract_create(actor=company.alice, data={
            "title": "合同", "customer": customer, "amount": D("1"), "starts_on": days(10), "ends_on": days(9)})
    assert "ends_on" in exc.value.errors
    assert not Contract.objects.exists()


def test_customer_out_of_scope_is_refused(company, make_customer):
    daves = make_customer(company.dave, "赵磊的客户")
    with pytest.raises(DomainError) as exc:
        services.contract_create(actor=company.alice, data={"title": "合同", "customer": daves, "amount": D("1")})
    assert "customer" in exc.value.errors


def test_without_the_create_right_nothing_is_made(company, make_customer):
    customer = make_customer(company.alice)
    with pytest.raises(Forbidden):
        services.contract_create(actor=company.erin, data={"title": "合同", "customer": customer, "amount": D("1")})


def test_from_a_won_opportunity_and_an_accepted_quote(company, make_customer, won_opportunity, accepted_quote):
    customer = make_customer(company.alice)
    deal = won_opportunity(company.alice, customer)
    quote = accepted_quote(company.alice, customer, opportunity=deal)
    contract = services.contract_create(actor=company.alice, data={
        "title": "合同", "customer": customer, "quote": quote, "amount": quote.total})
    assert contract.opportunity == deal  # taken from the quote


@pytest.mark.parametrize("problem", ["open_deal", "other_customer", "draft_quote"])
def test_links_that_do_not_fit_are_refused(company, make_customer, won_opportunity, accepted_quote, problem):
    customer = make_customer(company.alice, "甲")
    other = make_customer(company.alice, "乙")
    data = {"title": "合同", "customer": customer, "amount": D("1")}
    if problem == "open_deal":
        data["opportunity"] = won_opportunity(company.alice, customer, status="open")
        field = "opportunity"
    elif problem == "other_customer":
        data["opportunity"] = won_opportunity(company.alice, other)
        field = "opportunity"
    else:
        data["quote"] = accepted_quote(company.alice, customer, status="draft")
        field = "quote"
    with pytest.raises(DomainError) as exc:
        services.contract_create(actor=company.alice, data=data)
    assert field in exc.value.errors
    assert not Contract.objects.exists()


# -- editing --


def test_drafts_change_freely_with_a_version_check(company, make_contract):
    contract = make_contract(company.alice)
    services.contract_update(actor=company.alice, contract=contract, data={"title": "新标题"}, expected_version=1)
    stale = Contract.objects.get(pk=contract.pk)
    stale.version = 1
    with pytest.raises(Conflict):
        services.contract_update(actor=company.alice, contract=stale, data={"title": "旧的"}, expected_version=1)
    contract.refresh_from_db()
    assert contract.title == "新标题" and contract.version == 2
    assert AuditEvent.objects.get(action="contract.updated").changes == {"title": ["年度服务合同", "新标题"]}


def test_signed_contracts_keep_their_terms_but_notes_change(company, make_contract):
    contract = make_contract(company.alice, active=True)
    with pytest.raises(DomainError) as exc:
        services.contract_update(actor=company.alice, contract=contract, data={"amount": D("1"), "notes": "x"})
    assert exc.value.code == "not_draft" and "amount" in exc.value.errors
    services.contract_update(actor=company.alice, contract=contract,
                             data={"amount": contract.amount, "title": contract.title, "notes": "客户要求月初开票"})
    contract.refresh_from_db()
    assert contract.notes == "客户要求月初开票" and contract.amount == D("100000.00")


def test_colleague_cannot_edit_but_a_collaborator_with_edit_access_can(company, make_contract):
    contract = make_contract(company.alice)
    with pytest.raises(NotFound):
        services.contract_update(actor=company.bob, contract=contract, data={"notes": "李强"})
    services.contract_set_collaborator(actor=company.alice, contract=contract, user=company.bob, can_edit=True)
    services.contract_update(actor=company.bob, contract=contract, data={"notes": "李强"})
    contract.refresh_from_db()
    assert contract.notes == "李强"


def test_amount_cannot_drop_below_the_plan(company, make_contract):
    contract = make_contract(company.alice, amount="1000")
    _plan(company.alice, contract, "600")
    with pytest.raises(DomainError) as exc:
        services.contract_update(actor=company.alice, contract=contract, data={"amount": D("500")})
    assert exc.value.code == "plan_exceeds_amount"
    contract.refresh_from_db()
    assert contract.amount == D("1000")


# -- approval, termination, expiry, deletion --


def test_submit_without_an_approval_flow_brings_the_contract_into_force(company, make_contract):
    contract = make_contract(company.alice)
    services.contract_submit(actor=company.alice, contract=contract)
    contract.refresh_from_db()
    assert contract.status == "active" and contract.activated_at is not None
    assert Customer.objects.get(pk=contract.customer_id).last_deal_at == contract.activated_at
    actions = list(AuditEvent.objects.filter(object_id=str(contract.pk)).values_list("action", flat=True))
    assert {"contract.submitted", "contract.activated"} <= set(actions)
    with pytest.raises(DomainError):
        services.contract_submit(actor=company.alice, contract=contract)


def test_a_contract_without_amount_cannot_be_submitted(company, make_contract):
    contract = make_contract(company.alice, amount="0")
    with pytest.raises(DomainError) as exc:
        services.contract_submit(actor=company.alice, contract=contract)
    assert "amount" in exc.value.errors


def test_pending_contracts_are_locked_and_a_send_back_reopens_them(company, make_contract):
    contract = make_contract(company.alice)
    Contract.objects.filter(pk=contract.pk).update(status="pending_approval")
    contract.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.contract_update(actor=company.alice, contract=contract, data={"notes": "改"})
    assert exc.value.code == "pending_approval"
    with pytest.raises(DomainError):
        _plan(company.alice, contract, "1")
    services.contract_send_back(contract=contract, actor=company.carol, comment="金额太低")
    contract.refresh_from_db()
    assert contract.status == "draft" and contract.approval_comment == "金额太低"
    services.contract_update(actor=company.alice, contract=contract, data={"notes": "改"})


def test_terminate_needs_a_reason_and_a_contract_in_force(company, make_contract):
    draft = make_contract(company.alice)
    with pytest.raises(DomainError) as exc:
        services.contract_terminate(actor=company.alice, contract=draft, reason="客户破产")
    assert exc.value.code == "not_in_force"
    active = make_contract(company.alice, active=True)
    with pytest.raises(DomainError) as exc:
        services.contract_terminate(actor=company.alice, contract=active, reason="   ")
    assert "reason" in exc.value.errors
    services.contract_terminate(actor=company.alice, contract=active, reason="客户破产")
    active.refresh_from_db()
    assert active.status == "terminated" and active.termination_reason == "客户破产"
    assert AuditEvent.objects.filter(action="contract.terminated", object_id=str(active.pk)).exists()


def test_expiry_command_marks_only_active_contracts_past_their_end(company, make_contract):
    past = make_contract(company.alice, active=True, ends_on=days(-1), starts_on=days(-400))
    last_day = make_contract(company.alice, active=True, ends_on=today())
    draft_past = make_contract(company.alice, ends_on=days(-5))
    assert past.current_status == "expired"  # shown honestly before the run
    call_command("contracts-expire")
    statuses = dict(Contract.objects.values_list("pk", "status"))
    assert statuses == {past.pk: "expired", last_day.pk: "active", draft_past.pk: "draft"}
    assert AuditEvent.objects.filter(action="contract.expired").count() == 1
    call_command("contracts-expire")
    assert AuditEvent.objects.filter(action="contract.expired").count() == 1


def test_expiry_batches_cover_every_row(company, make_contract, monkeypatch):
    from guanxi.sales.contracts.services import contracts as module

    monkeypatch.setattr(module, "EXPIRE_BATCH", 2)
    for _i in range(5):
        make_contract(company.alice, active=True, ends_on=days(-3), starts_on=days(-30))
    assert services.contract_expire_due() == 5
    assert set(Contract.objects.values_list("status", flat=True)) == {"expired"}


def test_only_drafts_are_deleted_and_need_the_right(company, make_contract):
    draft = make_contract(company.alice)
    with pytest.raises(Forbidden):
        services.contract_delete(actor=company.alice, contract=draft)
    active = make_contract(company.alice, active=True)
    with pytest.raises(DomainError):
        services.contract_delete(actor=company.carol, contract=active)
    services.contract_delete(actor=company.carol, contract=draft)
    assert list(Contract.objects.values_list("pk", flat=True)) == [active.pk]
    assert AuditEvent.objects.filter(action="contract.deleted", object_id=str(draft.pk)).exists()


# -- the instalment plan --


def test_plan_total_may_not_exceed_the_contract_amount(company, make_contract):
    contract = make_contract(company.alice, amount="1000")
    first = _plan(company.alice, contract, "400")
    second = _plan(company.alice, contract, "600")
    assert (first.sequence, second.sequence) == (1, 2)
    with pytest.raises(DomainError) as exc:
        _plan(company.alice, contract, "0.01")
    assert exc.value.code == "plan_exceeds_amount"
    assert "1,000.01" in exc.value.errors["amount"][0] and "1,000.00" in exc.value.errors["amount"][0]
    with pytest.raises(DomainError):
        services.instalment_update(actor=company.alice, instalment=first, data={"amount": D("400.01")})
    assert contract.instalments.aggregate(s=Sum("amount"))["s"] == D("1000")


def test_instalment_sequence_is_unique_and_bounded(company, make_contract):
    contract = make_contract(company.alice)
    _plan(company.alice, contract, "1", sequence=3)
    for bad in (3, 0, 100000):
        with pytest.raises(DomainError) as exc:
            _plan(company.alice, contract, "1", sequence=bad)
        assert "sequence" in exc.value.errors
    assert contract.instalments.count() == 1


@pytest.mark.parametrize("amount", ["0", "-5", "0.001"])
def test_instalment_amount_must_be_positive_cents(company, make_contract, amount):
    contract = make_contract(company.alice)
    with pytest.raises(DomainError) as exc:
        _plan(company.alice, contract, amount)
    assert "amount" in exc.value.errors
    assert not Instalment.objects.exists()


def test_instalment_amount_cannot_drop_below_what_was_received(company, make_contract):
    contract = make_contract(company.alice, active=True)
    instalment = _plan(company.alice, contract, "500")
    _pay(company.carol, contract, "300", instalment)
    with pytest.raises(DomainError) as exc:
        services.instalment_update(actor=company.alice, instalment=instalment, data={"amount": D("299.99")})
    assert "300.00" in exc.value.errors["amount"][0]
    services.instalment_update(actor=company.alice, instalment=instalment, data={"amount": D("300")})
    instalment.refresh_from_db()
    assert instalment.amount == D("300") and instalment.outstanding == 0


def test_an_instalment_with_payments_stays_until_they_are_reversed(company, make_contract):
    contract = make_contract(company.alice, active=True)
    instalment = _plan(company.alice, contract, "500")
    payment = _pay(company.carol, contract, "100", instalment)
    with pytest.raises(DomainError) as exc:
        services.instalment_delete(actor=company.alice, instalment=instalment)
    assert exc.value.code == "instalment_has_payments"
    services.payment_reverse(actor=company.carol, payment=payment, reason="录错了")
    services.instalment_delete(actor=company.alice, instalment=instalment)
    payment.refresh_from_db()
    assert payment.instalment is None and payment.is_reversed
    assert_balances_hold(contract)


# -- payments (回款) --


def test_partial_payments_add_up_and_overpaying_is_refused(company, make_contract):
    contract = make_contract(company.alice, amount="1000", active=True)
    instalment = _plan(company.alice, contract, "400")
    _pay(company.carol, contract, "150", instalment)
    _pay(company.carol, contract, "250", instalment)
    with pytest.raises(DomainError) as exc:
        _pay(company.carol, contract, "0.01", instalment)
    assert exc.value.code == "overpayment"
    assert "0.00" in exc.value.errors["amount"][0]
    _pay(company.carol, contract, "600")  # against the contract, no instalment
    with pytest.raises(DomainError) as exc:
        _pay(company.carol, contract, "0.01")
    assert exc.value.code == "overpayment"
    assert Payment.objects.count() == 3
    assert_balances_hold(contract)
    contract.refresh_from_db()
    assert contract.outstanding == 0 and contract.paid_percent == 100


def test_cents_add_up_exactly(company, make_contract):
    """SQLite adds decimals as binary floats; 0.1 + 0.2 must still fill an instalment of 0.30."""
    contract = make_contract(company.alice, amount="0.30", active=True)
    instalment = _plan(company.alice, contract, "0.30")
    _pay(company.carol, contract, "0.10", instalment)
    _pay(company.carol, contract, "0.20", instalment)
    instalment.refresh_from_db()
    assert instalment.received_amount == D("0.30") and instalment.outstanding == 0
    assert_balances_hold(contract)


def test_payments_need_the_right_and_a_contract_in_force(company, make_contract):
    contract = make_contract(company.alice, active=True)
    with pytest.raises(Forbidden):
        _pay(company.alice, contract, "1")  # sellers do not record payments
    with pytest.raises(NotFound):
        _pay(company.dave, contract, "1")
    draft = make_contract(company.alice)
    with pytest.raises(DomainError) as exc:
        _pay(company.carol, draft, "1")
    assert exc.value.code == "not_in_force"
    assert not Payment.objects.exists()


def test_a_payment_against_another_contracts_instalment_is_refused(company, make_contract):
    one = make_contract(company.alice, active=True)
    other = make_contract(company.alice, active=True)
    instalment = _plan(company.alice, other, "100")
    with pytest.raises(DomainError) as exc:
        _pay(company.carol, one, "10", instalment)
    assert "instalment" in exc.value.errors
    assert_balances_hold(one)
    assert_balances_hold(other)


@pytest.mark.parametrize("amount", ["0", "-1", "0.001", "100000000000000000"])
def test_bad_payment_amounts_are_refused(company, make_contract, amount):
    contract = make_contract(company.alice, active=True)
    with pytest.raises(DomainError) as exc:
        _pay(company.carol, contract, amount)
    assert "amount" in exc.value.errors
    assert not Payment.objects.exists()


def test_a_payment_dated_in_the_future_is_refused(company, make_contract):
    contract = make_contract(company.alice, active=True)
    with pytest.raises(DomainError) as exc:
        _pay(company.carol, contract, "1", received_on=days(30))
    assert "received_on" in exc.value.errors


def test_reversal_restores_the_balances_once_and_is_audited(company, make_contract):
    contract = make_contract(company.alice, amount="1000", active=True)
    instalment = _plan(company.alice, contract, "1000")
    wrong = _pay(company.carol, contract, "700", instalment)
    _pay(company.carol, contract, "100", instalment)
    with pytest.raises(DomainError) as exc:
        services.payment_reverse(actor=company.carol, payment=wrong, reason="")
    assert "reason" in exc.value.errors
    services.payment_reverse(actor=company.carol, payment=wrong, reason="重复录入")
    with pytest.raises(Conflict):
        services.payment_reverse(actor=company.carol, payment=wrong, reason="再来一次")
    assert_balances_hold(contract)
    instalment.refresh_from_db()
    assert instalment.received_amount == D("100")
    event = AuditEvent.objects.get(action="payment.reversed")
    assert event.actor == company.carol and event.changes == {"reversal_reason": [None, "重复录入"]}
    assert event.timeline_key == f"contracts.contract:{contract.pk}"


def test_a_terminated_contract_still_takes_payments_but_not_plan_changes(company, make_contract):
    contract = make_contract(company.alice, active=True)
    instalment = _plan(company.alice, contract, "100")
    services.contract_terminate(actor=company.alice, contract=contract, reason="提前结束")
    _pay(company.carol, contract, "100", instalment)
    with pytest.raises(DomainError):
        _plan(company.alice, contract, "1")
    assert_balances_hold(contract)


# -- custom fields --


def test_custom_fields_are_validated_and_kept_on_signed_contracts(company, make_customer):
    from guanxi.core.services import custom_field_create
    from guanxi.core.system import SYSTEM

    custom_field_create(actor=SYSTEM, entity="contracts.contract", key="terms", label="付款条件", kind="choice",
                        choices=["预付", "月结"], required=True)
    customer = make_customer(company.alice)
    data = {"title": "合同", "customer": customer, "amount": D("10")}
    with pytest.raises(DomainError) as exc:
        services.contract_create(actor=company.alice, data=data, custom={"terms": "赊账"})
    assert "custom.terms" in exc.value.errors
    contract = services.contract_create(actor=company.alice, data=data, custom={"terms": "预付"})
    services.contract_submit(actor=company.alice, contract=contract)
    services.contract_update(actor=company.alice, contract=contract, data={}, custom={"terms": "月结"})
    contract.refresh_from_db()
    assert contract.custom == {"terms": "月结"} and contract.status == "active"


# -- files --


def test_files_leave_storage_only_once_their_deletion_commits(company, make_contract,
                                                              django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    contract = make_contract(company.alice)
    kept, dropped = services.attachment_add(actor=company.alice, contract=contract, files=[
        SimpleUploadedFile("附件一.pdf", b"one"), SimpleUploadedFile("附件二.pdf", b"two")])
    storage = kept.file.storage
    kept_name, dropped_name = str(kept.file.name), str(dropped.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_delete(actor=company.alice, attachment=dropped)
    assert not storage.exists(dropped_name) and storage.exists(kept_name)
    with pytest.raises(NotFound):
        services.attachment_delete(actor=company.bob, attachment=kept)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_delete(actor=company.carol, contract=contract)
    assert not storage.exists(kept_name)
    assert list(AuditEvent.objects.filter(object_id=str(contract.pk)).values_list("action", flat=True)
                .order_by("id"))[-3:] == ["contract.attachments_added", "contract.attachment_deleted",
                                          "contract.deleted"]
