"""Contract and receivable pages: what each member of the cast sees and may do, prefilling from deals
and quotes, bad input on every form, attachments, the customer and opportunity sections, query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guanxi.core.models import AuditEvent
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.sales.contracts import services
from guanxi.sales.contracts.models import Contract, ContractAttachment, Instalment, Payment

from .conftest import days, today

pytestmark = pytest.mark.django_db

D = Decimal
LIST = reverse("contracts:list")
HTMX = {"HX-Request": "true", "HX-Target": "results"}
MANAGERS_ONLY = {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


def _form(contract=None, **overrides):
    data = {"title": "年度服务合同", "amount": "120000.00", "currency": "CNY", "signed_on": "", "starts_on": "",
            "ends_on": "", "notes": ""}
    if contract is not None:
        data.update(title=contract.title, amount=str(contract.amount), currency=contract.currency,
                    customer=str(contract.customer_id), owner=str(contract.owner_id), version=str(contract.version))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _plan(contract, amount="100", due=30, sequence=None):
    data = {"due_on": days(due), "amount": D(amount)}
    if sequence:
        data["sequence"] = sequence
    return services.instalment_create(actor=contract.owner, contract=contract, data=data)


def _pay(actor, contract, amount, instalment=None):
    return services.payment_record(actor=actor, contract=contract, data={
        "amount": D(amount), "received_on": today(), "instalment": instalment})


# -- the list and the detail --


def test_list_and_detail_show_only_what_each_user_may_see(company, login, make_contract):
    contract = make_contract(company.alice, title="阿里斯的合同")

    def sees_in_list(user):
        return "阿里斯的合同" in login(user).get(LIST).content.decode()

    def opens(user):
        return login(user).get(reverse("contracts:detail", args=[contract.pk])).status_code == 200

    assert_matrix(company, sees_in_list, ALICE_RECORD_VISIBLE)
    assert_matrix(company, opens, ALICE_RECORD_VISIBLE)
    assert login(company.erin).get(LIST).status_code == 403
    assert login(company.dave).get(reverse("contracts:detail", args=[contract.pk])).status_code == 404


def test_list_filters_by_status_owner_mine_and_ending(company, login, make_contract):
    make_contract(company.alice, title="草稿合同")
    make_contract(company.alice, title="快到期合同", active=True, starts_on=days(-300), ends_on=days(10))
    make_contract(company.alice, title="远期合同", active=True, ends_on=days(200))
    make_contract(company.alice, title="已过期合同", active=True, starts_on=days(-300), ends_on=days(-1))
    make_contract(company.bob, title="李强的合同")
    client = login(company.carol)

    def titles(**params):
        body = client.get(LIST, params).content.decode()
        return {t for t in ("草稿合同", "快到期合同", "远期合同", "已过期合同", "李强的合同") if t in body}

    assert titles(status="active") == {"快到期合同", "远期合同"}
    assert titles(status="expired") == {"已过期合同"}  # not yet marked by the nightly run
    assert titles(ending_within="30") == {"快到期合同"}
    assert titles(owner=str(company.bob.pk)) == {"李强的合同"}
    assert titles(mine="1") == set()
    assert titles(q="远期") == {"远期合同"}


def test_ending_soon_is_flagged_on_the_list_and_detail(company, login, make_contract):
    soon = make_contract(company.alice, title="快到期", active=True, ends_on=days(5))
    make_contract(company.alice, title="还早", active=True, ends_on=days(90))
    client = login(company.alice)
    body = client.get(LIST).content.decode()
    assert body.count("Ends in 5 days") == 1
    assert "Ends in 5 days" in client.get(reverse("contracts:detail", args=[soon.pk])).content.decode()


def test_invalid_filters_say_which_and_do_not_fail(company, login):
    response = login(company.alice).get(LIST, {"status": "bogus", "owner": "x", "ending_within": "-3",
                                               "cursor": "!!"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Some filters are not valid." in body
    assert "Status: This value is not valid." in body and "Owner: This value is not valid." in body


@pytest.mark.parametrize("query", ["x" * 100_000, "<script>alert(1)</script>", "'; DROP TABLE x; --", "%_%"])
def test_odd_search_text_is_harmless(company, login, make_contract, query):
    make_contract(company.alice, title="正常合同")
    response = login(company.alice).get(LIST, {"q": query})
    body = response.content.decode()
    assert response.status_code == 200
    assert "正常合同" not in body and "<script>alert(1)</script>" not in body


def test_htmx_filtering_returns_only_the_results(company, login, make_contract):
    make_contract(company.alice, title="片段合同")
    response = login(company.alice).get(LIST, {"q": "片段"}, headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">') and "片段合同" in body and "<html" not in body


def test_keyset_paging_walks_every_contract_once(company, login, make_contract, make_customer):
    customer = make_customer(company.alice)
    for i in range(53):
        make_contract(company.alice, title=f"合同{i:03d}", customer=customer)
    client = login(company.alice)
    page1 = client.get(LIST).context["page"]
    page2 = client.get(LIST, {"cursor": page1.next_cursor}).context["page"]
    assert len(page1.items) == 50 and len(page2.items) == 3 and page2.next_cursor is None
    assert len({c.pk for c in page1.items} | {c.pk for c in page2.items}) == 53


@pytest.mark.parametrize("rows", [3, 20])
def test_list_query_count_does_not_grow_with_rows(company, login, make_contract, make_customer,
                                                  django_assert_max_num_queries, rows):
    for i in range(rows):
        owner = company.alice if i % 2 else company.bob
        make_contract(owner, title=f"合同{i}", active=bool(i % 3), ends_on=days(i))
    client = login(company.carol)
    client.get(LIST)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert len(response.context["contracts"]) == rows


def test_detail_query_count_does_not_grow_with_instalments_and_payments(company, login, make_contract,
                                                                        django_assert_max_num_queries):
    contract = make_contract(company.alice, amount="100000", active=True)
    for i in range(8):
        instalment = _plan(contract, "1000", due=i - 4)
        _pay(company.carol, contract, "500", instalment)
    services.attachment_add(actor=company.alice, contract=contract, files=[SimpleUploadedFile("a.pdf", b"a")])
    client = login(company.alice)
    url = reverse("contracts:detail", args=[contract.pk])
    client.get(url)
    with django_assert_max_num_queries(16):
        response = client.get(url)
    body = response.content.decode()
    assert body.count("overdue") >= 4  # the four instalments already due are marked


# -- creating and editing --


def test_create_matrix(company, login, make_customer):
    def can_create(user):
        customer = make_customer(user if user.username != "erin" else company.alice, f"客户{user.username}")
        before = Contract.objects.count()
        response = login(user).post(reverse("contracts:create"),
                                    _form(customer=str(customer.pk), owner=str(user.pk)))
        return response.status_code == 302 and Contract.objects.count() == before + 1

    assert_matrix(company, can_create, {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False,
                                        "root": True})


def test_create_from_a_won_opportunity_prefills_the_form(company, login, make_customer, won_opportunity):
    customer = make_customer(company.alice, "杭州云栖")
    deal = won_opportunity(company.alice, customer, amount="88000.00", currency="USD")
    response = login(company.alice).get(reverse("contracts:create"), {"opportunity": deal.pk})
    form = response.context["form"]
    assert form.initial["customer"] == customer.pk and form.initial["amount"] == D("88000.00")
    assert form.initial["currency"] == "USD" and form.initial["opportunity"] == deal.pk
    body = response.content.decode()
    assert "云平台采购项目" in body and "杭州云栖" in body
    posted = login(company.alice).post(reverse("contracts:create"), _form(
        customer=str(customer.pk), owner=str(company.alice.pk), opportunity=str(deal.pk), currency="USD"))
    assert posted.status_code == 302
    assert Contract.objects.get().opportunity == deal


def test_create_from_an_accepted_quote_takes_its_total(company, login, make_customer, won_opportunity,
                                                       accepted_quote):
    customer = make_customer(company.alice)
    deal = won_opportunity(company.alice, customer)
    quote = accepted_quote(company.alice, customer, total="66000.50", opportunity=deal)
    form = login(company.alice).get(reverse("contracts:create"), {"quote": quote.pk}).context["form"]
    assert form.initial["amount"] == D("66000.50") and form.initial["quote"] == quote.pk
    assert form.initial["opportunity"] == deal.pk and form.initial["customer"] == customer.pk


def test_prefill_from_a_deal_out_of_reach_or_not_won_is_404(company, login, make_customer, won_opportunity):
    daves = won_opportunity(company.dave, make_customer(company.dave, "赵磊客户"))
    open_deal = won_opportunity(company.alice, make_customer(company.alice), status="open")
    client = login(company.alice)
    assert client.get(reverse("contracts:create"), {"opportunity": daves.pk}).status_code == 404
    assert client.get(reverse("contracts:create"), {"opportunity": open_deal.pk}).status_code == 404


@pytest.mark.parametrize("field,value", [
    ("title", ""), ("title", "x" * 201), ("amount", "-1"), ("amount", "abc"), ("amount", "1" * 20),
    ("currency", "XXX"), ("signed_on", "2026-02-30"), ("customer", "999999999"), ("owner", "abc"),
    ("notes", "x" * 10_001),
])
def test_bad_input_on_create_is_shown_on_the_form(company, login, make_customer, field, value):
    customer = make_customer(company.alice)
    data = _form(customer=str(customer.pk), owner=str(company.alice.pk))
    data[field] = value
    response = login(company.alice).post(reverse("contracts:create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors.get(field)
    assert not Contract.objects.exists()


def test_end_before_start_is_shown_on_the_end_date(company, login, make_customer):
    customer = make_customer(company.alice)
    response = login(company.alice).post(reverse("contracts:create"), _form(
        customer=str(customer.pk), owner=str(company.alice.pk), starts_on="2026-06-01", ends_on="2026-05-31"))
    assert response.status_code == 400
    assert "The end date cannot be before the start date." in response.context["form"].errors["ends_on"]


def test_html_in_text_is_stored_as_typed_and_shown_escaped(company, login, make_customer):
    customer = make_customer(company.alice)
    login(company.alice).post(reverse("contracts:create"), _form(
        customer=str(customer.pk), owner=str(company.alice.pk), title="<b>合同</b>", notes="<script>x()</script>"))
    contract = Contract.objects.get()
    body = login(company.alice).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert contract.title == "<b>合同</b>"
    assert "<script>x()</script>" not in body and "&lt;script&gt;" in body


def test_edit_matrix(company, login, make_contract):
    contract = make_contract(company.alice)

    def can_edit(user):
        contract.refresh_from_db()
        response = login(user).post(reverse("contracts:edit", args=[contract.pk]),
                                    _form(contract, notes=f"由{user.username}改"))
        contract.refresh_from_db()
        return response.status_code == 302 and contract.notes == f"由{user.username}改"

    assert_matrix(company, can_edit, ALICE_RECORD_VISIBLE)


def test_stale_edit_answers_409_and_keeps_the_typing(company, login, make_contract):
    contract = make_contract(company.alice)
    stale = _form(contract, title="我改的标题")
    services.contract_update(actor=company.carol, contract=contract, data={"title": "经理改的"})
    response = login(company.alice).post(reverse("contracts:edit", args=[contract.pk]), stale)
    assert response.status_code == 409
    assert "我改的标题" in response.content.decode()
    assert Contract.objects.get().title == "经理改的"


def test_an_active_contract_shows_its_terms_locked_and_saves_notes(company, login, make_contract):
    contract = make_contract(company.alice, active=True)
    contract.refresh_from_db()
    client = login(company.alice)
    form = client.get(reverse("contracts:edit", args=[contract.pk])).context["form"]
    assert form.fields["amount"].disabled and not form.fields["notes"].disabled
    response = client.post(reverse("contracts:edit", args=[contract.pk]),
                           _form(contract, amount="1", title="别的", notes="开票说明"))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.notes == "开票说明" and contract.amount == D("100000.00") and contract.title == "年度服务合同"


def test_editing_a_contract_deleted_meanwhile_says_so(company, login, make_contract):
    contract = make_contract(company.alice)
    client = login(company.alice)
    data = _form(contract, notes="晚了")
    services.contract_delete(actor=company.carol, contract=contract)
    response = client.post(reverse("contracts:edit", args=[contract.pk]), data)
    assert response.status_code == 404
    assert "no longer exists, or you can no longer see it, so your changes were not saved" in response.content.decode()


def test_a_team_member_from_another_department_can_edit_what_they_may(company, login, make_contract,
                                                                     won_opportunity, make_customer):
    customer = make_customer(company.alice)
    deal = won_opportunity(company.alice, customer)
    contract = make_contract(company.alice, customer=customer, opportunity=deal)
    services.contract_set_collaborator(actor=company.alice, contract=contract, user=company.dave, can_edit=True)
    response = login(company.dave).post(reverse("contracts:edit", args=[contract.pk]),
                                        _form(contract, opportunity=str(deal.pk), notes="赵磊补充"))
    assert response.status_code == 302, response.context["form"].errors
    contract.refresh_from_db()
    assert contract.notes == "赵磊补充" and contract.opportunity == deal and contract.owner == company.alice


def test_customer_picker_searches_only_visible_customers(company, login, make_customer):
    make_customer(company.alice, "张伟贸易")
    make_customer(company.dave, "张伟科技")
    body = login(company.alice).get(reverse("contracts:customer_options"), {"q": "张伟"}).content.decode()
    assert "张伟贸易" in body and "张伟科技" not in body


# -- submit, terminate, delete --


def test_submit_and_terminate_from_the_page(company, login, make_contract):
    contract = make_contract(company.alice)
    client = login(company.alice)
    client.post(reverse("contracts:submit", args=[contract.pk]), {"comment": ""})
    contract.refresh_from_db()
    assert contract.status == "active"
    refused = client.post(reverse("contracts:terminate", args=[contract.pk]), {"reason": ""})
    assert refused.status_code == 400 and refused.context["form"].errors["reason"]
    client.post(reverse("contracts:terminate", args=[contract.pk]), {"reason": "客户业务调整"})
    contract.refresh_from_db()
    assert contract.status == "terminated" and contract.termination_reason == "客户业务调整"


def test_terminate_matrix(company, login, make_contract):
    def can_terminate(user):
        contract = make_contract(company.alice, active=True)
        login(user).post(reverse("contracts:terminate", args=[contract.pk]), {"reason": "提前解约"})
        return Contract.objects.get(pk=contract.pk).status == "terminated"

    assert_matrix(company, can_terminate, ALICE_RECORD_VISIBLE)


def test_delete_matrix_and_only_drafts(company, login, make_contract):
    def can_delete(user):
        contract = make_contract(company.alice)
        login(user).post(reverse("contracts:delete", args=[contract.pk]))
        return not Contract.objects.filter(pk=contract.pk).exists()

    assert_matrix(company, can_delete, MANAGERS_ONLY)
    active = make_contract(company.alice, active=True)
    response = login(company.carol).post(reverse("contracts:delete", args=[active.pk]))
    assert response.status_code == 302 and Contract.objects.filter(pk=active.pk).exists()


# -- the team --


def test_a_read_only_collaborator_sees_but_cannot_edit(company, login, make_contract):
    contract = make_contract(company.alice)
    login(company.alice).post(reverse("contracts:collaborator_add", args=[contract.pk]),
                              {"user": company.dave.pk, "can_edit": "0"})
    client = login(company.dave)
    assert client.get(reverse("contracts:detail", args=[contract.pk])).status_code == 200
    assert client.get(reverse("contracts:edit", args=[contract.pk])).status_code == 403
    login(company.alice).post(reverse("contracts:collaborator_remove", args=[contract.pk, company.dave.pk]))
    assert login(company.dave).get(reverse("contracts:detail", args=[contract.pk])).status_code == 404


# -- attachments --


def test_attachment_upload_download_delete_matrix(company, login, make_contract):
    contract = make_contract(company.alice)
    services.attachment_add(actor=company.alice, contract=contract,
                            files=[SimpleUploadedFile("合同扫描件.pdf", b"%PDF signed")])
    attachment = contract.attachments.get()
    url = reverse("contracts:attachment", args=[attachment.pk])

    def downloads(user):
        response = login(user).get(url)
        return response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF signed"

    assert_matrix(company, downloads, ALICE_RECORD_VISIBLE)

    def uploads(user):
        before = contract.attachments.count()
        login(user).post(reverse("contracts:attachment_upload", args=[contract.pk]),
                         {"attachments": [SimpleUploadedFile(f"{user.username}.txt", b"x")]})
        return contract.attachments.count() == before + 1

    assert_matrix(company, uploads, ALICE_RECORD_VISIBLE)
    response = login(company.alice).post(reverse("contracts:attachment_delete", args=[attachment.pk]))
    assert response.status_code == 302 and not ContractAttachment.objects.filter(pk=attachment.pk).exists()
    assert login(company.alice).get(url).status_code == 404


def test_attachment_limits(company, login, make_contract, monkeypatch):
    from guanxi.sales.contracts.services import attachments

    contract = make_contract(company.alice)
    client = login(company.alice)
    files = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(attachments.MAX_ATTACHMENTS + 1)]
    response = client.post(reverse("contracts:attachment_upload", args=[contract.pk]), {"attachments": files},
                           follow=True)
    assert "Attach at most 10 files." in response.content.decode()
    assert not contract.attachments.exists()
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 10)  # 20 MB in the application
    big = SimpleUploadedFile("big.bin", b"x" * 11)
    response = client.post(reverse("contracts:attachment_upload", args=[contract.pk]), {"attachments": [big]},
                           follow=True)
    assert "larger than 20 MB" in response.content.decode()
    assert not contract.attachments.exists()


# -- instalments and payments --


def test_instalment_matrix(company, login, make_contract):
    contract = make_contract(company.alice, amount="100000")

    def can_plan(user):
        before = contract.instalments.count()
        login(user).post(reverse("contracts:instalment_create", args=[contract.pk]),
                         {"due_on": days(30).isoformat(), "amount": "100"})
        return contract.instalments.count() == before + 1

    assert_matrix(company, can_plan, ALICE_RECORD_VISIBLE)


def test_a_plan_over_the_amount_is_refused_on_the_form(company, login, make_contract):
    contract = make_contract(company.alice, amount="1000")
    client = login(company.alice)
    client.post(reverse("contracts:instalment_create", args=[contract.pk]),
                {"due_on": days(30).isoformat(), "amount": "800"})
    response = client.post(reverse("contracts:instalment_create", args=[contract.pk]),
                           {"due_on": days(60).isoformat(), "amount": "200.01"})
    assert response.status_code == 400
    assert "more than the contract amount" in response.context["form"].errors["amount"][0]
    assert contract.instalments.count() == 1


@pytest.mark.parametrize("field,value", [("amount", "0"), ("amount", "-10"), ("amount", "1.234"),
                                         ("due_on", "tomorrow"), ("sequence", "0"), ("notes", "x" * 256)])
def test_bad_instalment_input(company, login, make_contract, field, value):
    contract = make_contract(company.alice)
    data = {"due_on": days(30).isoformat(), "amount": "100", field: value}
    response = login(company.alice).post(reverse("contracts:instalment_create", args=[contract.pk]), data)
    assert response.status_code == 400 and response.context["form"].errors.get(field)
    assert not Instalment.objects.exists()


def test_edit_and_delete_an_instalment(company, login, make_contract):
    contract = make_contract(company.alice)
    instalment = _plan(contract, "100")
    client = login(company.alice)
    client.post(reverse("contracts:instalment_edit", args=[instalment.pk]),
                {"sequence": "1", "due_on": days(45).isoformat(), "amount": "150", "notes": "首付"})
    instalment.refresh_from_db()
    assert instalment.amount == D("150") and instalment.notes == "首付"
    client.post(reverse("contracts:instalment_delete", args=[instalment.pk]))
    assert not Instalment.objects.exists()


def test_record_payment_matrix(company, login, make_contract):
    contract = make_contract(company.alice, active=True)

    def can_pay(user):
        before = Payment.objects.count()
        login(user).post(reverse("contracts:payment_create", args=[contract.pk]),
                         {"amount": "10", "received_on": today().isoformat(), "method": "bank_transfer"})
        return Payment.objects.count() == before + 1

    assert_matrix(company, can_pay, MANAGERS_ONLY)


def test_record_payment_button_shows_only_with_the_right(company, login, make_contract):
    contract = make_contract(company.alice, active=True)
    url = reverse("contracts:detail", args=[contract.pk])
    create = reverse("contracts:payment_create", args=[contract.pk])
    assert create not in login(company.alice).get(url).content.decode()
    assert create in login(company.carol).get(url).content.decode()


def test_overpaying_on_the_form_is_refused_with_what_is_due(company, login, make_contract):
    contract = make_contract(company.alice, amount="1000", active=True)
    instalment = _plan(contract, "300")
    _pay(company.carol, contract, "200", instalment)
    response = login(company.carol).post(reverse("contracts:payment_create", args=[contract.pk]), {
        "instalment": instalment.pk, "amount": "100.01", "received_on": today().isoformat(),
        "method": "bank_transfer"})
    assert response.status_code == 400
    assert "CNY 100.00 still due on instalment 1" in response.context["form"].errors["amount"][0]
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("field,value", [("amount", "0"), ("amount", "-5"), ("amount", "abc"),
                                         ("received_on", "2026-13-01"), ("method", "bitcoin"),
                                         ("reference", "x" * 101), ("instalment", "999999")])
def test_bad_payment_input(company, login, make_contract, field, value):
    contract = make_contract(company.alice, active=True)
    data = {"amount": "10", "received_on": today().isoformat(), "method": "cash", field: value}
    response = login(company.carol).post(reverse("contracts:payment_create", args=[contract.pk]), data)
    assert response.status_code == 400 and response.context["form"].errors.get(field)
    assert not Payment.objects.exists()


def test_a_seller_sees_only_own_contracts_payments(company, login, make_contract):
    alices = make_contract(company.alice, active=True)
    bobs = make_contract(company.bob, active=True, title="李强的合同")
    bobs_payment = _pay(company.carol, bobs, "10")
    _pay(company.carol, alices, "20")
    client = login(company.alice)
    assert client.get(reverse("contracts:payment_reverse", args=[bobs_payment.pk])).status_code == 403
    assert client.get(reverse("contracts:detail", args=[bobs.pk])).status_code == 404
    body = client.get(reverse("contracts:detail", args=[alices.pk])).content.decode()
    assert "CNY 20.00" in body and "CNY 10.00" not in body


def test_reverse_a_payment_on_the_page(company, login, make_contract):
    contract = make_contract(company.alice, active=True)
    payment = _pay(company.carol, contract, "500")
    client = login(company.carol)
    refused = client.post(reverse("contracts:payment_reverse", args=[payment.pk]), {"reason": ""})
    assert refused.status_code == 400
    client.post(reverse("contracts:payment_reverse", args=[payment.pk]), {"reason": "银行退回"})
    payment.refresh_from_db()
    contract.refresh_from_db()
    assert payment.is_reversed and contract.received_amount == 0
    assert AuditEvent.objects.filter(action="payment.reversed", object_id=str(payment.pk)).exists()
    history = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode().split('id="history"')[1]
    assert "reversed a payment · CNY 500.00" in history and "银行退回" in history
    again = client.post(reverse("contracts:payment_reverse", args=[payment.pk]), {"reason": "再退"})
    assert again.status_code == 400 and "already reversed" in again.content.decode()


# -- ending soon and overdue --


def test_ending_page_lists_contracts_within_the_chosen_days(company, login, make_contract):
    make_contract(company.alice, title="十天后到期", active=True, ends_on=days(10))
    make_contract(company.alice, title="四十天后到期", active=True, ends_on=days(40))
    make_contract(company.alice, title="昨天到期", active=True, starts_on=days(-100), ends_on=days(-1))
    make_contract(company.alice, title="草稿到期", ends_on=days(3))
    client = login(company.alice)
    default = client.get(reverse("contracts:ending")).content.decode()
    assert "十天后到期" in default and "四十天后到期" not in default
    assert "昨天到期" not in default and "草稿到期" not in default
    wider = client.get(reverse("contracts:ending"), {"days": "45"}).content.decode()
    assert "十天后到期" in wider and "四十天后到期" in wider
    bad = client.get(reverse("contracts:ending"), {"days": "-1"})
    assert bad.status_code == 200 and "Enter a whole number of days" in bad.content.decode()


def test_ending_page_matrix(company, login, make_contract):
    make_contract(company.alice, title="快到期合同", active=True, ends_on=days(3))

    def sees(user):
        return "快到期合同" in login(user).get(reverse("contracts:ending")).content.decode()

    assert_matrix(company, sees, ALICE_RECORD_VISIBLE)


def test_overdue_list_shows_days_overdue_and_filters(company, login, make_contract):
    contract = make_contract(company.alice, amount="10000", active=True, title="逾期合同")
    late = _plan(contract, "1000", due=-12)
    _pay(company.carol, contract, "400", late)
    paid = _plan(contract, "500", due=-5)
    _pay(company.carol, contract, "500", paid)
    _plan(contract, "700", due=3)
    bobs = make_contract(company.bob, amount="5000", active=True, title="李强合同")
    _plan(bobs, "300", due=-1)
    client = login(company.carol)
    response = client.get(reverse("contracts:receivables"))
    rows = response.context["rows"]
    assert [(i.contract.title, i.sequence, d) for i, d in rows] == [("逾期合同", 1, 12), ("李强合同", 1, 1)]
    body = response.content.decode()
    assert "CNY 600.00" in body  # outstanding on the late instalment
    mine = client.get(reverse("contracts:receivables"), {"owner": company.bob.pk}).context["rows"]
    assert [i.contract.title for i, _d in mine] == ["李强合同"]


def test_overdue_matrix(company, login, make_contract):
    contract = make_contract(company.alice, active=True)
    _plan(contract, "100", due=-2)

    def sees(user):
        response = login(user).get(reverse("contracts:receivables"))
        return response.status_code == 200 and bool(response.context["rows"])

    assert_matrix(company, sees, ALICE_RECORD_VISIBLE)


@pytest.mark.parametrize("rows", [3, 20])
def test_overdue_query_count_does_not_grow(company, login, make_contract, django_assert_max_num_queries, rows):
    for i in range(rows):
        contract = make_contract(company.alice if i % 2 else company.bob, amount="1000", active=True)
        _plan(contract, "100", due=-1 - i)
    client = login(company.carol)
    client.get(reverse("contracts:receivables"))
    with django_assert_max_num_queries(9):
        response = client.get(reverse("contracts:receivables"))
    assert len(response.context["rows"]) == rows


# -- sections of other pages --


def test_customer_page_shows_contracts_and_balance_per_currency(company, login, make_contract, make_customer):
    customer = make_customer(company.alice, "多币种客户")
    cny = make_contract(company.alice, amount="1000", active=True, customer=customer, title="人民币合同")
    usd = make_contract(company.alice, amount="300", active=True, customer=customer, title="美元合同",
                        currency="USD")
    _pay(company.carol, cny, "250")
    _pay(company.carol, usd, "100")
    response = login(company.alice).get(reverse("customers:section", args=[customer.pk, "contracts"]))
    body = response.content.decode()
    assert "Contracts & receivables" in body and "人民币合同" in body and "美元合同" in body
    assert "750.00" in body and "200.00" in body  # outstanding per currency, never added together
    assert "950.00" not in body


def test_customer_section_hidden_without_the_view_right(company, login, make_customer):
    from guanxi.org.models import Role

    customer = make_customer(company.alice)
    role = Role.objects.create(name="只看客户", actions=["customers.view"], scopes={"customers": "all"})
    company.erin.roles.add(role)
    body = login(company.erin).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Contracts & receivables" not in body


def test_opportunity_page_lists_its_contracts(company, login, make_customer, won_opportunity):
    customer = make_customer(company.alice)
    deal = won_opportunity(company.alice, customer)
    services.contract_create(actor=company.alice, data={"title": "商机合同", "customer": customer,
                                                        "opportunity": deal, "amount": D("1")})
    body = login(company.alice).get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    assert "商机合同" in body
    assert f"{reverse('contracts:create')}?opportunity={deal.pk}" in body


def test_custom_fields_on_the_form_and_the_page(company, login, make_customer):
    from guanxi.core.services import custom_field_create
    from guanxi.core.system import SYSTEM

    custom_field_create(actor=SYSTEM, entity="contracts.contract", key="region", label="签约区域", kind="text")
    customer = make_customer(company.alice)
    client = login(company.alice)
    assert "签约区域" in client.get(reverse("contracts:create")).content.decode()
    client.post(reverse("contracts:create"), _form(customer=str(customer.pk), owner=str(company.alice.pk),
                                                   cf_region="华东"))
    contract = Contract.objects.get()
    assert contract.custom == {"region": "华东"}
    assert "华东" in client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
