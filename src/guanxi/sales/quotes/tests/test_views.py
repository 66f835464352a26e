"""Quote pages: what each member of the cast sees and may do, the line editor, prefilling from a customer
or an opportunity, status buttons, the printable page, bad input, and query counts."""

from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services as customer_services
from guanxi.sales.quotes import services
from guanxi.sales.quotes.choices import QuoteStatus
from guanxi.sales.quotes.models import Quote, QuoteLine

from .conftest import line, pending_request
from .test_services import make_opportunity

pytestmark = pytest.mark.django_db

LIST = reverse("quotes:list")
CREATE = reverse("quotes:create")
EDITOR = {"HX-Request": "true", "HX-Target": "line-editor"}
YEAR = timezone.localdate().year


def form_data(customer, lines=None, **overrides):
    """A complete editor submission: the head fields and the lines formset."""
    rows = lines if lines is not None else [{"description": "实施服务", "quantity": "2", "unit_price": "5000",
                                             "discount_percent": "0", "tax_rate": "6"}]
    data = {"title": "CRM 项目报价", "customer": str(customer.pk), "contact": "", "opportunity": "",
            "currency": "CNY", "valid_until": "", "owner": str(customer.owner_id), "terms": "", "notes": "",
            "lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "200"}
    for i, row in enumerate(rows):
        for name in ("product", "filled_product", "description", "unit", "quantity", "unit_price",
                     "discount_percent", "tax_rate"):
            data[f"lines-{i}-{name}"] = str(row.get(name, ""))
    data.update(overrides)
    return data


def sent(quote, actor):
    services.quote_submit(actor=actor, quote=quote)
    services.quote_mark_sent(actor=actor, quote=quote)
    return quote


# -- the list --


def test_list_shows_each_person_what_their_scope_reaches(company, login, make_quote):
    make_quote(company.alice, title="王芳的报价")

    def sees(user):
        response = login(user).get(LIST)
        return response.status_code == 200 and "王芳的报价" in response.content.decode()

    assert_matrix(company, sees, ALICE_RECORD_VISIBLE)
    assert login(company.erin).get(LIST).status_code == 403


def test_list_filters_by_status_mine_owner_and_customer(company, login, make_quote, make_customer):
    other_customer = make_customer(company.alice, "另一家客户")
    make_quote(company.alice, title="草稿报价")
    approved = make_quote(company.alice, title="已批准报价", customer=other_customer)
    services.quote_submit(actor=company.alice, quote=approved)
    make_quote(company.carol, title="经理报价")
    client = login(company.carol)

    def titles(**params):
        body = client.get(LIST, params).content.decode()
        return {t for t in ("草稿报价", "已批准报价", "经理报价") if t in body}

    assert titles() == {"草稿报价", "已批准报价", "经理报价"}
    assert titles(status="approved") == {"已批准报价"}
    assert titles(mine="1") == {"经理报价"}
    assert titles(owner=str(company.alice.pk)) == {"草稿报价", "已批准报价"}
    assert titles(customer=str(other_customer.pk)) == {"已批准报价"}


def test_earlier_versions_are_listed_only_when_asked(company, login, make_quote):
    quote = make_quote(company.alice)
    services.quote_submit(actor=company.alice, quote=quote)
    services.quote_revise(actor=company.alice, quote=quote)
    client = login(company.alice)
    assert len(client.get(LIST).context["quotes"]) == 1
    assert len(client.get(LIST, {"all_versions": "1"}).context["quotes"]) == 2


def test_bad_filters_and_cursors_say_so(company, login, make_quote):
    make_quote(company.alice)
    client = login(company.alice)
    body = client.get(LIST, {"status": "bogus", "customer": "abc"}).content.decode()
    assert "Some filters are not valid." in body
    body = client.get(LIST, {"cursor": "not-a-cursor!!"}).content.decode()
    assert "This page link is no longer valid" in body


def test_keyset_paging_walks_every_quote_once(company, login, make_customer):
    customer = make_customer(company.alice)
    for i in range(53):
        services.quote_create(actor=company.alice, data={"title": f"报价{i}", "customer": customer}, lines=[])
    client = login(company.alice)
    first = client.get(LIST).context["page"]
    second = client.get(LIST, {"cursor": first.next_cursor}).context["page"]
    assert len(first.items) == 50 and len(second.items) == 3 and second.next_cursor is None
    assert len({q.pk for q in first.items} | {q.pk for q in second.items}) == 53


def test_htmx_filtering_returns_only_the_results(company, login, make_quote):
    make_quote(company.alice, title="片段报价")
    response = login(company.alice).get(LIST, {"status": "draft"}, headers={"HX-Request": "true",
                                                                            "HX-Target": "results"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">') and "片段报价" in body and "<html" not in body


@pytest.mark.parametrize("rows", [3, 25])
def test_list_query_count_does_not_grow_with_rows(company, login, make_customer, django_assert_max_num_queries,
                                                  rows):
    customers = [make_customer(company.alice, f"客户{i}") for i in range(3)]
    for i in range(rows):
        services.quote_create(actor=company.alice, data={"title": f"报价{i}", "customer": customers[i % 3]},
                              lines=[line()])
    client = login(company.alice)
    client.get(LIST)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert len(response.context["quotes"]) == rows


# -- the quote page --


def test_detail_matrix(company, login, make_quote):
    quote = make_quote(company.alice)
    url = reverse("quotes:detail", args=[quote.pk])
    statuses = {name: login(user).get(url).status_code for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}


def test_missing_and_hidden_quotes_look_the_same(company, login, make_quote):
    quote = make_quote(company.alice)
    client = login(company.dave)
    hidden = client.get(reverse("quotes:detail", args=[quote.pk]))
    missing = client.get(reverse("quotes:detail", args=[quote.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404
    message = "This page does not exist, or you cannot see it."
    assert message in hidden.content.decode() and message in missing.content.decode()


def test_detail_shows_lines_totals_versions_and_the_approval_panel(company, login, make_quote):
    quote = make_quote(company.alice, lines=[line(quantity="3", unit_price="199.99", discount="10", tax="13")])
    services.quote_submit(actor=company.alice, quote=quote)
    second = services.quote_revise(actor=company.alice, quote=quote)
    body = login(company.alice).get(reverse("quotes:detail", args=[second.pk])).content.decode()
    assert f"QT-{YEAR}-000001" in body and "v2" in body
    assert "610.17" in body and "599.97" in body and "70.20" in body
    assert reverse("quotes:detail", args=[quote.pk]) in body  # the earlier version is linked
    assert 'id="approval"' not in body  # approved at once: there is no approval to show
    old = login(company.alice).get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert "This is an earlier version, kept as read-only history." in old
    assert reverse("quotes:edit", args=[quote.pk]) not in old


def test_status_buttons_follow_the_status(company, login, make_quote):
    quote = make_quote(company.alice)
    client = login(company.alice)
    url = reverse("quotes:detail", args=[quote.pk])
    body = client.get(url).content.decode()
    assert reverse("quotes:submit", args=[quote.pk]) in body and reverse("quotes:send", args=[quote.pk]) not in body
    client.post(reverse("quotes:submit", args=[quote.pk]))
    body = client.get(url).content.decode()
    assert reverse("quotes:send", args=[quote.pk]) in body and reverse("quotes:edit", args=[quote.pk]) not in body
    client.post(reverse("quotes:send", args=[quote.pk]))
    client.post(reverse("quotes:accept", args=[quote.pk]))
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    body = client.get(url).content.decode()
    try:
        contract = reverse("contracts:create")
    except NoReverseMatch:
        contract = None
    if contract:
        assert f"{contract}?quote={quote.pk}" in body
    assert "The customer accepted this quote." in body


def test_a_step_out_of_order_is_a_message_not_an_error(company, login, make_quote):
    quote = make_quote(company.alice)
    response = login(company.alice).post(reverse("quotes:accept", args=[quote.pk]), follow=True)
    assert response.status_code == 200
    assert "Only a sent quote can be accepted." in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.DRAFT


def test_submit_matrix(company, login, make_quote):
    def can_submit(user):
        quote = make_quote(company.alice)
        login(user).post(reverse("quotes:submit", args=[quote.pk]))
        return Quote.objects.get(pk=quote.pk).status == QuoteStatus.APPROVED

    assert_matrix(company, can_submit, ALICE_RECORD_VISIBLE)


def test_submitting_a_large_discount_goes_to_approval_with_the_comment(company, login, make_quote, discount_flow):
    quote = make_quote(company.alice, lines=[line(discount="25")])
    response = login(company.alice).post(reverse("quotes:submit", args=[quote.pk]), {"comment": "战略客户"},
                                         follow=True)
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.PENDING_APPROVAL
    assert pending_request(quote).comment == "战略客户"
    assert "Waiting for approval" in response.content.decode()
    # the manager decides from the quote page's approval panel
    body = login(company.carol).get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert 'id="approval"' in body and "Approve" in body
    assert "approval.submitted" not in body  # the engine's own events stay in its panel


def test_reject_keeps_the_reason_and_revise_opens_the_new_version(company, login, make_quote):
    quote = sent(make_quote(company.alice), company.alice)
    client = login(company.alice)
    client.post(reverse("quotes:reject", args=[quote.pk]), {"reason": "预算不足"})
    quote.refresh_from_db()
    assert (quote.status, quote.rejection_reason) == (QuoteStatus.REJECTED, "预算不足")
    response = client.post(reverse("quotes:revise", args=[quote.pk]))
    second = Quote.objects.get(number=quote.number, revision=2)
    assert response.status_code == 302 and response["Location"] == reverse("quotes:detail", args=[second.pk])


def test_customer_page_lists_its_quotes(company, login, make_quote, make_customer):
    customer = make_customer(company.alice, "有报价的客户")
    make_quote(company.alice, customer=customer, title="客户页上的报价")
    url = reverse("customers:section", args=[customer.pk, "quotes"])
    body = login(company.alice).get(url).content.decode()
    assert "客户页上的报价" in body and f"{CREATE}?customer={customer.pk}" in body
    assert "客户页上的报价" in login(company.carol).get(url).content.decode()


def test_without_the_quotes_right_the_customer_page_has_no_quotes_section(company, login, make_quote,
                                                                          make_customer):
    from guanxi.org.models import Role

    customer = make_customer(company.alice, "客服看的客户")
    make_quote(company.alice, customer=customer, title="客服看不到的报价")
    company.erin.roles.add(Role.objects.create(name="客服", actions=["customers.view"], scopes={"customers": "all"}))
    response = login(company.erin).get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    assert "客服看不到的报价" not in response.content.decode() and 'id="quotes"' not in response.content.decode()


# -- creating and editing --


def test_create_from_the_customer_page_and_save(company, login, make_customer):
    customer = make_customer(company.alice, "新报价客户")
    client = login(company.alice)
    page = client.get(CREATE, {"customer": customer.pk})
    assert page.status_code == 200 and "新报价客户" in page.content.decode()
    response = client.post(CREATE, form_data(customer))
    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("quotes:detail", args=[quote.pk])
    assert (quote.number, quote.total, quote.owner) == (f"QT-{YEAR}-000001", Decimal("10600.00"), company.alice)


def test_create_for_a_customer_out_of_scope_is_404(company, login, make_customer):
    daves = make_customer(company.dave, "赵磊的客户")
    client = login(company.alice)
    assert client.get(CREATE, {"customer": daves.pk}).status_code == 404
    response = client.post(CREATE, form_data(daves))
    assert response.status_code == 400 and not Quote.objects.exists()


def test_create_from_an_opportunity_copies_its_customer_and_lines(company, login, make_customer, make_product):
    customer = make_customer(company.alice, "商机客户")
    product = make_product(list_price="1000.00", tax_rate="13.00")
    opportunity = make_opportunity(company.alice, customer, name="ERP 替换项目", lines=[
        {"product": product, "description": "", "quantity": Decimal("3"), "unit_price": Decimal("950")},
        {"product": None, "description": "定制开发", "quantity": Decimal("10"), "unit_price": Decimal("1200")}])
    response = login(company.alice).get(CREATE, {"opportunity": opportunity.pk})
    assert response.status_code == 200
    form, rows = response.context["form"], response.context["editor_rows"]
    assert (form.initial["customer"], form.initial["opportunity"], form.initial["title"]) == (
        customer.pk, opportunity.pk, "ERP 替换项目")
    assert [(r.form.initial["description"], r.form.initial["quantity"], r.form.initial["unit_price"])
            for r in rows] == [("关系CRM 标准版", "3.00", "950.00"), ("定制开发", "10.00", "1200.00")]
    assert response.context["amounts"].subtotal == Decimal("14850.00")


def test_opportunity_page_lists_its_quotes(company, login, make_customer, make_quote):
    customer = make_customer(company.alice, "商机客户")
    opportunity = make_opportunity(company.alice, customer)
    make_quote(company.alice, customer=customer, opportunity=opportunity, title="商机页上的报价")
    make_quote(company.alice, customer=customer, title="无关的报价")
    body = login(company.alice).get(reverse("opportunities:detail", args=[opportunity.pk])).content.decode()
    assert "商机页上的报价" in body and "无关的报价" not in body
    assert f"{CREATE}?opportunity={opportunity.pk}" in body


def test_an_opportunity_out_of_scope_is_404(company, login, make_customer):
    opportunity = make_opportunity(company.dave, make_customer(company.dave, "赵磊的客户"))
    assert login(company.alice).get(CREATE, {"opportunity": opportunity.pk}).status_code == 404


def test_saving_with_an_opportunity_links_it(company, login, make_customer):
    customer = make_customer(company.alice, "商机客户")
    opportunity = make_opportunity(company.alice, customer)
    login(company.alice).post(CREATE, form_data(customer, opportunity=str(opportunity.pk)))
    assert Quote.objects.get().opportunity == opportunity


@pytest.mark.parametrize("row,field,message", [
    ({"description": "负数", "quantity": "-1", "unit_price": "10"}, "quantity",
     "Ensure this value is greater than or equal to 0.01."),
    ({"description": "折扣", "quantity": "1", "unit_price": "10", "discount_percent": "120"}, "discount_percent",
     "Ensure this value is less than or equal to 100."),
    ({"description": "x" * 300, "quantity": "1", "unit_price": "10"}, "description",
     "Ensure this value has at most 200 characters (it has 300)."),
    ({"description": "价格", "quantity": "1", "unit_price": "abc"}, "unit_price", "Enter a number."),
    ({"description": "", "quantity": "1", "unit_price": "10"}, "description", "This field cannot be blank."),
])
def test_bad_lines_show_an_error_on_the_line_and_save_nothing(company, login, make_customer, row, field, message):
    customer = make_customer(company.alice)
    response = login(company.alice).post(CREATE, form_data(customer, lines=[row]))
    assert response.status_code == 400
    line_form = response.context["formset"].forms[0]
    assert message in line_form.errors[field]
    assert not Quote.objects.exists() and not QuoteLine.objects.exists()


def test_a_product_in_another_currency_is_refused_on_its_line(company, login, make_customer, make_product):
    customer = make_customer(company.alice)
    dollars = make_product(code="CRM-US", list_price="150.00", currency="USD")
    response = login(company.alice).post(CREATE, form_data(customer, lines=[
        {"product": dollars.pk, "quantity": "1", "discount_percent": "0"}]))
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["product"] == [
        "This product is priced in USD; the quote is in CNY."]
    assert not Quote.objects.exists()


def test_huge_and_html_text_in_the_head(company, login, make_customer):
    customer = make_customer(company.alice)
    client = login(company.alice)
    response = client.post(CREATE, form_data(customer, title="x" * 1000, terms="y" * 20_000))
    assert response.status_code == 400 and not Quote.objects.exists()
    client.post(CREATE, form_data(customer, title="<b>加粗</b>"))
    body = client.get(reverse("quotes:detail", args=[Quote.objects.get().pk])).content.decode()
    assert "&lt;b&gt;加粗&lt;/b&gt;" in body and "<b>加粗</b>" not in body


def test_blank_lines_the_editor_offered_are_skipped(company, login, make_customer):
    customer = make_customer(company.alice)
    rows = [{"description": "实施服务", "quantity": "2", "unit_price": "5000", "discount_percent": "0",
             "tax_rate": "6"}, {"quantity": "1", "discount_percent": "0"}]
    response = login(company.alice).post(CREATE, form_data(customer, lines=rows))
    assert response.status_code == 302
    assert Quote.objects.get().lines.count() == 1


def test_the_line_editor_adds_removes_and_recomputes_without_saving(company, login, make_customer):
    customer = make_customer(company.alice)
    client = login(company.alice)
    data = form_data(customer, line_action="add")
    response = client.post(CREATE, data, headers=EDITOR)
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="line-editor"')
    assert "<html" not in body and 'name="lines-TOTAL_FORMS" value="2"' in body
    assert "10,600.00" in body
    removed = client.post(CREATE, form_data(customer, line_action="remove-0"), headers=EDITOR).content.decode()
    assert 'name="lines-TOTAL_FORMS" value="0"' in removed
    assert not Quote.objects.exists()


def test_picking_a_product_fills_the_line_at_the_customers_price(company, login, make_customer, make_product):
    customer = make_customer(company.alice)
    product = make_product(list_price="1000.00", tax_rate="13.00")
    rows = [{"product": product.pk, "quantity": "2", "discount_percent": "10"}]
    response = login(company.alice).post(CREATE, form_data(customer, lines=rows, line_action="recalc"),
                                         headers=EDITOR)
    row = response.context["editor_rows"][0]
    assert (row.form.initial["description"], row.form.initial["unit_price"], row.form.initial["tax_rate"]) == (
        "关系CRM 标准版", "1000.00", "13.00")
    assert row.amounts.total == Decimal("2034.00")  # 2000 − 200 + 13 % of 1800
    # a typed price survives the next recompute: the product is already filled in
    rows = [{"product": product.pk, "filled_product": product.pk, "description": "改过的描述", "quantity": "2",
             "unit_price": "900", "discount_percent": "0", "tax_rate": "0"}]
    again = login(company.alice).post(CREATE, form_data(customer, lines=rows, line_action="recalc"), headers=EDITOR)
    kept = again.context["editor_rows"][0].form.initial
    assert (kept["description"], kept["unit_price"]) == ("改过的描述", "900")


def test_a_recompute_updates_amounts_and_totals_but_never_the_inputs_being_typed(company, login, make_customer,
                                                                                   make_product):
    customer = make_customer(company.alice)
    product = make_product(list_price="1000.00", tax_rate="13.00")
    rows = [{"description": "实施服务", "quantity": "2", "unit_price": "5000", "discount_percent": "0",
             "tax_rate": "6"},
            {"product": product.pk, "quantity": "1", "discount_percent": "0"}]
    response = login(company.alice).post(CREATE, form_data(customer, lines=rows, line_action="recalc"),
                                         headers={"HX-Request": "true", "HX-Target": "line-editor"})
    body = response.content.decode()
    assert 'id="line-amount-0" data-label="Amount" class="num nowrap" hx-swap-oob="true">10,600.00<' in body
    assert 'name="lines-0-' not in body  # the first line is being typed in: its inputs are left alone
    assert '<tr id="line-row-1" hx-swap-oob="true">' in body and 'value="关系CRM 标准版"' in body
    assert 'id="quote-totals" hx-swap-oob="true"' in body and "11,730.00" in body


def test_the_line_editor_warns_of_a_product_in_another_currency(company, login, make_customer, make_product):
    customer = make_customer(company.alice)
    dollars = make_product(code="CRM-US", list_price="150.00", currency="USD")
    rows = [{"product": dollars.pk, "quantity": "1"}]
    body = login(company.alice).post(CREATE, form_data(customer, lines=rows, line_action="recalc"),
                                     headers=EDITOR).content.decode()
    assert "This product is priced in USD; the quote is in CNY." in body


def test_without_javascript_a_line_action_returns_the_whole_page(company, login, make_customer):
    customer = make_customer(company.alice)
    response = login(company.alice).post(CREATE, form_data(customer, line_action="add"))
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert not Quote.objects.exists()


def test_edit_matrix(company, login, make_quote):
    def can_edit(user):
        quote = make_quote(company.alice)
        response = login(user).post(reverse("quotes:edit", args=[quote.pk]),
                                    form_data(quote.customer, title=f"{user.username} 改", version="1"))
        return response.status_code == 302 and Quote.objects.get(pk=quote.pk).title == f"{user.username} 改"

    assert_matrix(company, can_edit, ALICE_RECORD_VISIBLE)


def test_edit_keeps_the_lines_and_shows_them(company, login, make_quote, make_product):
    product = make_product()
    quote = make_quote(company.alice, lines=[line(product=product, discount="5")])
    response = login(company.alice).get(reverse("quotes:edit", args=[quote.pk]))
    row = response.context["editor_rows"][0].form.initial
    assert (row["product"], row["filled_product"], row["discount_percent"]) == (
        str(product.pk), str(product.pk), "5.00")


def test_a_pending_or_sent_quote_is_not_edited(company, login, make_quote, discount_flow):
    pending = make_quote(company.alice, lines=[line(discount="30")])
    services.quote_submit(actor=company.alice, quote=pending)
    client = login(company.alice)
    response = client.get(reverse("quotes:edit", args=[pending.pk]), follow=True)
    assert "Only a draft can be changed." in response.content.decode()
    post = client.post(reverse("quotes:edit", args=[pending.pk]), form_data(pending.customer, title="审批中改"))
    assert post.status_code == 302
    sent_quote = sent(make_quote(company.alice), company.alice)
    client.post(reverse("quotes:edit", args=[sent_quote.pk]), form_data(sent_quote.customer, title="发出后改"))
    assert set(Quote.objects.values_list("title", flat=True)) == {"CRM 项目报价"}


def test_a_stale_edit_keeps_the_typing_and_says_so(company, login, make_quote):
    quote = make_quote(company.alice)
    services.quote_update(actor=company.carol, quote=quote, data={"title": "经理先改了"})
    response = login(company.alice).post(reverse("quotes:edit", args=[quote.pk]),
                                         form_data(quote.customer, title="我的修改", version="1"))
    assert response.status_code == 409
    assert "Someone else changed this quote" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).title == "经理先改了"


def test_delete_a_draft_from_its_page(company, login, make_quote):
    quote = make_quote(company.alice)
    assert login(company.bob).post(reverse("quotes:delete", args=[quote.pk])).status_code == 404
    response = login(company.alice).post(reverse("quotes:delete", args=[quote.pk]))
    assert response.status_code == 302 and not Quote.objects.exists()


def test_customer_search_offers_only_customers_in_scope(company, login, make_customer):
    make_customer(company.alice, "云栖科技")
    make_customer(company.dave, "云栖贸易")
    body = login(company.alice).get(reverse("quotes:customer_options"), {"customer_q": "云栖"}).content.decode()
    assert "云栖科技" in body and "云栖贸易" not in body


def test_choosing_a_customer_offers_its_contacts(company, login, make_customer):
    customer = make_customer(company.alice, "有联系人的客户")
    customer_services.contact_create(actor=company.alice, customer=customer, data={"name": "李经理"})
    body = login(company.alice).get(reverse("quotes:customer_options"), {"customer": customer.pk}).content.decode()
    assert body.lstrip().startswith('<div id="customer-links"') and "李经理" in body


# -- the printable page --


def test_print_matrix_and_content(company, login, make_quote, make_customer):
    customer = make_customer(company.alice, "打印客户有限公司", address="杭州市西湖区文三路 1 号")
    quote = make_quote(company.alice, customer=customer, terms="款到发货", notes="内部：底价 8 折",
                       lines=[line(quantity="3", unit_price="199.99", discount="10", tax="13")])
    url = reverse("quotes:print", args=[quote.pk])
    assert_matrix(company, lambda u: login(u).get(url).status_code == 200, ALICE_RECORD_VISIBLE)
    body = login(company.alice).get(url).content.decode()
    assert "打印客户有限公司" in body and "杭州市西湖区文三路 1 号" in body and "款到发货" in body
    assert "610.17" in body and "总部" in body  # the company header: the top of the department tree
    assert "内部：底价 8 折" not in body and "quotes/print.css" in body


def test_print_follows_the_readers_language(company, client, make_quote):
    quote = make_quote(company.alice)
    client.force_login(company.alice)
    url = reverse("quotes:print", args=[quote.pk])
    assert "报价单" in client.get(url, headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "Quotation" in client.get(url, headers={"Accept-Language": "en"}).content.decode()


def test_the_configured_company_name_heads_the_printed_quote(company, login, make_quote, settings):
    settings.COMPANY_NAME = "杭州关系软件有限公司"
    quote = make_quote(company.alice)
    body = login(company.alice).get(reverse("quotes:print", args=[quote.pk])).content.decode()
    assert '<div class="company">杭州关系软件有限公司</div>' in body


@pytest.mark.parametrize("lines", [2, 30])
def test_quote_page_query_count_does_not_grow_with_lines_or_versions(company, login, make_quote, make_product,
                                                                     django_assert_max_num_queries, lines):
    product = make_product()
    quote = make_quote(company.alice, lines=[line(product=product) for _ in range(lines)])
    for _ in range(3):
        services.quote_submit(actor=company.alice, quote=quote)
        quote = services.quote_revise(actor=company.alice, quote=quote)
    client = login(company.carol)
    url = reverse("quotes:detail", args=[quote.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert len(response.context["lines"]) == lines and len(response.context["versions"]) == 4
