"""Opportunity pages: who sees and may do what on the board, list, summary, detail and forms; the
drag-and-drop move endpoint and its failures; totals per currency; query counts that stay flat."""

from decimal import Decimal

import pytest
from django.urls import reverse

from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services as customer_services
from guanxi.sales.opportunities import board, services
from guanxi.sales.opportunities.models import LostReason, Opportunity, StageChange

pytestmark = pytest.mark.django_db

BOARD = reverse("opportunities:board")
LIST = reverse("opportunities:list")
SUMMARY = reverse("opportunities:summary")
HTMX = {"HX-Request": "true"}
# Only someone who may edit opportunities reaches a record alice owns: bob and dave cannot see it,
# erin has no role at all.
NOBODY_ELSE = {"alice": True, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


def _fresh(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


# -- permission matrices --


def test_board_list_and_summary_show_each_user_what_their_scope_reaches(company, login, make_opportunity):
    make_opportunity(company.alice, "阿里斯的商机")

    def sees(url):
        def check(user):
            response = login(user).get(url)
            return response.status_code == 200 and "阿里斯的商机" in response.content.decode()
        return check

    assert_matrix(company, sees(BOARD), ALICE_RECORD_VISIBLE)
    assert_matrix(company, sees(LIST), ALICE_RECORD_VISIBLE)
    statuses = {name: login(user).get(SUMMARY).status_code for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 200, "carol": 200, "dave": 200, "erin": 403, "root": 200}


def test_summary_counts_only_what_each_user_may_see(company, login, make_opportunity):
    make_opportunity(company.alice, "阿里斯的商机", amount=Decimal("123456.00"))

    def counted(user):
        return "123,456.00" in login(user).get(SUMMARY).content.decode()

    assert_matrix(company, counted, ALICE_RECORD_VISIBLE)


def test_detail_is_404_out_of_scope_and_403_without_any_right(company, login, make_opportunity):
    opportunity = make_opportunity(company.alice)
    url = reverse("opportunities:detail", args=[opportunity.pk])
    statuses = {name: login(user).get(url).status_code for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}


def test_move_matrix(company, login, make_opportunity, stages):
    def can_move(user):
        opportunity = make_opportunity(company.alice, f"推进-{user.username}")
        response = login(user).post(reverse("opportunities:move", args=[opportunity.pk]),
                                    {"stage": stages["open"][1].pk, "version": 1}, headers=HTMX)
        moved = _fresh(opportunity).stage == stages["open"][1]
        assert moved == (response.status_code == 200)
        return moved

    assert_matrix(company, can_move, NOBODY_ELSE)


def test_edit_and_create_pages_need_their_rights(company, login, make_opportunity):
    opportunity = make_opportunity(company.alice)
    edit = reverse("opportunities:edit", args=[opportunity.pk])
    assert_matrix(company, lambda u: login(u).get(edit).status_code == 200, NOBODY_ELSE)
    create = reverse("opportunities:create")
    statuses = {name: login(user).get(create).status_code for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 200, "carol": 200, "dave": 200, "erin": 403, "root": 200}


def test_pipeline_settings_are_for_pipeline_managers_only(company, login, pipeline):
    url = reverse("opportunities:pipeline_list")
    statuses = {name: login(user).get(url).status_code for name, user in company.cast().items()}
    assert statuses == {"alice": 403, "bob": 403, "carol": 403, "dave": 403, "erin": 403, "root": 200}


# -- the board --


def test_board_totals_never_add_currencies_together(company, login, make_opportunity, stages):
    customer = make_opportunity(company.alice, "人民币一").customer
    make_opportunity(company.alice, "人民币二", customer=customer, amount=Decimal("2500.50"))
    make_opportunity(company.alice, "美元单", customer=customer, amount=Decimal("700.00"), currency="USD")
    response = login(company.alice).get(BOARD)
    first = response.context["columns"][0]
    assert first.totals.count == 3
    assert first.totals.by_currency == [("CNY", Decimal("102500.50")), ("USD", Decimal("700.00"))]
    body = response.content.decode()
    assert "102,500.50 CNY" in body and "700.00 USD" in body
    assert "103,200.50" not in body


def test_board_filters_by_owner_month_and_search(company, login, make_opportunity):
    make_opportunity(company.alice, "华东 ERP")
    make_opportunity(company.bob, "华南 CRM")
    client = login(company.carol)
    body = client.get(BOARD, {"q": "ERP"}).content.decode()
    assert "华东 ERP" in body and "华南 CRM" not in body
    body = client.get(BOARD, {"owner": company.bob.pk}).content.decode()
    assert "华南 CRM" in body and "华东 ERP" not in body
    body = client.get(BOARD, {"who": "mine"}).content.decode()
    assert "华南 CRM" not in body and "华东 ERP" not in body
    body = client.get(BOARD, {"close_month": "2001-01"}).content.decode()
    assert "华南 CRM" not in body
    body = client.get(BOARD, {"close_month": "2026-13"}).content.decode()
    assert "Some filters are not valid." in body


@pytest.mark.parametrize("cards", [3, 30])
def test_board_query_count_does_not_grow_with_cards(company, login, make_customer, make_opportunity, stages, cards,
                                                    django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(board, "PER_COLUMN", 50)
    customers = {u: make_customer(u, f"{u}的客户") for u in (company.alice, company.bob)}
    make_opportunity(company.alice, "样本", customer=customers[company.alice])
    for i in range(cards):
        owner = company.alice if i % 2 else company.bob
        opportunity = make_opportunity(owner, f"商机{i}", customer=customers[owner])
        if i % 3 == 0:
            services.opportunity_move(actor=opportunity.owner, opportunity=opportunity, stage=stages["open"][2])
    client = login(company.carol)
    client.get(BOARD)
    # One query per column (six stages) and two for the totals, the same for 3 cards or 30.
    with django_assert_max_num_queries(16):
        response = client.get(BOARD)
    assert sum(len(c.cards) for c in response.context["columns"]) == cards + 1


def test_board_shows_a_bounded_number_of_cards_and_loads_more(company, login, make_opportunity, stages, monkeypatch):
    monkeypatch.setattr(board, "PER_COLUMN", 4)
    customer = make_opportunity(company.alice, "第0个").customer
    for i in range(1, 7):
        make_opportunity(company.alice, f"第{i}个", customer=customer)
    client = login(company.alice)
    response = client.get(BOARD)
    column = response.context["columns"][0]
    assert [o.name for o in column.cards] == ["第6个", "第5个", "第4个", "第3个"]
    assert column.totals.count == 7
    more = client.get(reverse("opportunities:board_column", args=[stages["open"][0].pk]),
                      {"before": column.more_before}, headers=HTMX)
    body = more.content.decode()
    assert "第2个" in body and "第0个" in body and "第3个" not in body
    assert "Load more" not in body


def test_won_column_lists_the_latest_closed_first_and_loads_more(company, login, make_opportunity, stages,
                                                                 monkeypatch, clock):
    monkeypatch.setattr(board, "PER_COLUMN", 2)
    customer = make_opportunity(company.alice, "准备").customer
    # created in one order, won in the reverse one: the column follows when deals were won
    deals = [make_opportunity(company.alice, f"单{i}", customer=customer) for i in range(5)]
    for deal in reversed(deals):
        clock.advance(days=1)
        services.opportunity_move(actor=company.alice, opportunity=deal, stage=stages["won"])
    client = login(company.alice)
    won = next(c for c in client.get(BOARD).context["columns"] if c.stage == stages["won"])
    assert [o.name for o in won.cards] == ["单0", "单1"] and won.totals.count == 5
    more = client.get(reverse("opportunities:board_column", args=[stages["won"].pk]),
                      {"before": won.more_before}, headers=HTMX).content.decode()
    assert "单2" in more and "单3" in more and "单1" not in more and "单4" not in more


def test_board_hides_deals_closed_long_ago(company, login, make_opportunity, stages, clock):
    old = make_opportunity(company.alice, "去年赢的单")
    services.opportunity_move(actor=company.alice, opportunity=old, stage=stages["won"])
    clock.advance(days=40)
    recent = make_opportunity(company.alice, "上周赢的单")
    services.opportunity_move(actor=company.alice, opportunity=recent, stage=stages["won"])
    body = login(company.alice).get(BOARD).content.decode()
    assert "上周赢的单" in body and "去年赢的单" not in body


def test_an_unknown_pipeline_is_404(company, login, pipeline):
    assert login(company.alice).get(BOARD, {"pipeline": 999999}).status_code == 404


# -- moving cards --


def _move(client, opportunity, stage, **extra):
    data = {"stage": stage.pk, "version": opportunity.version, **extra}
    return client.post(reverse("opportunities:move", args=[opportunity.pk]), data, headers=HTMX)


def test_a_move_answers_with_the_card_and_fresh_column_totals(company, login, make_opportunity, stages):
    opportunity = make_opportunity(company.alice, amount=Decimal("800.00"))
    response = _move(login(company.alice), opportunity, stages["open"][1], board_query="who=mine")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#opp-{opportunity.pk}"
    assert f'id="opp-{opportunity.pk}"' in body and 'data-version="2"' in body
    assert f'id="col-head-{stages["open"][1].pk}" hx-swap-oob="true"' in body
    assert "800.00 CNY" in body


def test_a_lost_stage_asks_for_a_reason_before_moving(company, login, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    client = login(company.alice)
    response = _move(client, opportunity, stages["lost"])
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#move-dialog-body"
    assert "lost_reason" in response.content.decode()
    assert _fresh(opportunity).status == "open"
    # submitting the dialog without a reason keeps asking, with the error
    response = _move(client, opportunity, stages["lost"], lost_reason="")
    assert "Choose why this opportunity was lost." in response.content.decode()
    reason = LostReason.objects.order_by("position")[0]
    response = _move(client, opportunity, stages["lost"], lost_reason=reason.pk, lost_note="预算砍掉了")
    assert response.status_code == 200 and response["HX-Retarget"] == f"#opp-{opportunity.pk}"
    lost = _fresh(opportunity)
    assert (lost.status, lost.lost_reason, lost.lost_note) == ("lost", reason, "预算砍掉了")


def test_a_stale_card_snaps_back_with_a_message(company, login, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    stale_version = opportunity.version
    services.opportunity_move(actor=company.carol, opportunity=_fresh(opportunity), stage=stages["open"][2])
    response = login(company.alice).post(reverse("opportunities:move", args=[opportunity.pk]),
                                         {"stage": stages["open"][1].pk, "version": stale_version}, headers=HTMX)
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/plain")
    assert "Someone else changed this opportunity meanwhile" in response.content.decode()
    assert _fresh(opportunity).stage == stages["open"][2]


def test_refused_moves_answer_plain_text_statuses(company, login, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    services.opportunity_set_collaborator(actor=company.alice, opportunity=opportunity, user=company.dave,
                                          can_edit=False)
    read_only = _move(login(company.dave), opportunity, stages["open"][1])
    assert read_only.status_code == 403 and "You may not move this opportunity." in read_only.content.decode()
    hidden = _move(login(company.bob), opportunity, stages["open"][1])
    assert hidden.status_code == 404
    foreign = services.pipeline_create(actor=company.root, name="其他流程").stages.first()
    wrong = _move(login(company.alice), opportunity, foreign)
    assert wrong.status_code == 400
    assert _fresh(opportunity).stage == stages["open"][0]


def test_move_without_javascript_redirects_with_a_message(company, login, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    client = login(company.alice)
    response = client.post(reverse("opportunities:move", args=[opportunity.pk]),
                           {"stage": stages["lost"].pk, "version": 1}, follow=True)
    assert "Say why this opportunity was lost." in response.content.decode()
    response = client.post(reverse("opportunities:move", args=[opportunity.pk]),
                           {"stage": stages["won"].pk, "version": 1}, follow=True)
    assert _fresh(opportunity).status == "won"
    assert response.redirect_chain[-1][0] == reverse("opportunities:detail", args=[opportunity.pk])


# -- the list --


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_with_rows(company, login, make_customer, make_opportunity, rows,
                                                  django_assert_max_num_queries):
    customers = {u: make_customer(u, f"{u}的客户") for u in (company.alice, company.bob)}
    make_opportunity(company.alice, "样本", customer=customers[company.alice])
    for i in range(rows):
        owner = company.alice if i % 2 else company.bob
        make_opportunity(owner, f"商机{i}", customer=customers[owner])
    client = login(company.carol)
    client.get(LIST)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert len(response.context["page"].items) == rows + 1


def test_list_pages_by_keyset_and_filters_by_status(company, login, make_opportunity, stages):
    customer = make_opportunity(company.alice, "商机000").customer
    for i in range(1, 55):
        make_opportunity(company.alice, f"商机{i:03d}", customer=customer)
    won = make_opportunity(company.alice, "已赢单", customer=customer)
    services.opportunity_move(actor=company.alice, opportunity=won, stage=stages["won"])
    client = login(company.alice)
    first = client.get(LIST).context["page"]
    second = client.get(LIST, {"cursor": first.next_cursor}).context["page"]
    assert len(first.items) == 50 and len(second.items) == 6 and second.next_cursor is None
    body = client.get(LIST, {"status": "won"}).content.decode()
    assert "已赢单" in body and "商机001" not in body
    assert "This page link is no longer valid" in client.get(LIST, {"cursor": "!!"}).content.decode()


def test_bulk_transfer_from_the_list(company, login, make_opportunity):
    first = make_opportunity(company.alice, "甲")
    second = make_opportunity(company.alice, "乙", customer=first.customer)
    client = login(company.carol)
    client.post(reverse("opportunities:bulk"), {"action": "transfer", "owner": company.bob.pk,
                                                "ids": [first.pk, second.pk]})
    assert {_fresh(first).owner, _fresh(second).owner} == {company.bob}
    response = login(company.alice).post(reverse("opportunities:bulk"), {"action": "transfer",
                                                                         "owner": company.alice.pk,
                                                                         "ids": [first.pk]}, follow=True)
    assert _fresh(first).owner == company.bob
    assert response.status_code == 200


# -- the weighted pipeline --


def test_summary_weights_by_probability_per_stage_month_and_currency(company, login, make_opportunity, stages):
    customer = make_opportunity(company.alice, "一", amount=Decimal("1000.00")).customer  # 10 %
    second = make_opportunity(company.alice, "二", customer=customer, amount=Decimal("2000.00"))
    services.opportunity_move(actor=company.alice, opportunity=second, stage=stages["open"][2])  # 50 %
    make_opportunity(company.alice, "美元", customer=customer, amount=Decimal("300.00"), currency="USD",
                     probability=40)
    response = login(company.alice).get(SUMMARY)
    result = response.context["result"]
    totals = {row.currency: (row.count, row.amount, row.weighted) for row in result.totals}
    assert totals == {"CNY": (2, Decimal("3000.00"), Decimal("1100.00")),
                      "USD": (1, Decimal("300.00"), Decimal("120.00"))}
    first_stage = result.by_stage[0]
    assert [(r.currency, r.weighted) for r in first_stage.rows] == [("CNY", Decimal("100.00")),
                                                                    ("USD", Decimal("120.00"))]
    assert sum(g.count for g in result.by_month) == 3


def test_summary_is_two_aggregate_queries(company, login, make_opportunity, django_assert_max_num_queries):
    customer = make_opportunity(company.alice, "样本").customer
    for i in range(20):
        make_opportunity(company.alice, f"商机{i}", customer=customer, currency="USD" if i % 2 else "CNY")
    client = login(company.alice)
    client.get(SUMMARY)
    with django_assert_max_num_queries(9):
        client.get(SUMMARY)


# -- detail, forms and the customer page --


def test_detail_shows_lines_contacts_history_and_time_in_stage(company, login, make_customer, make_opportunity,
                                                               stages, clock):
    customer = make_customer(company.alice, "详情客户")
    contact = customer_services.contact_create(actor=company.alice, customer=customer, data={"name": "钱经理"})
    opportunity = make_opportunity(company.alice, "详情商机", customer=customer, contacts=[contact],
                                   lines=[{"description": "年度订阅", "quantity": Decimal(2),
                                           "unit_price": Decimal("1500")}])
    clock.advance(days=3, hours=4)
    services.opportunity_move(actor=company.alice, opportunity=opportunity, stage=stages["open"][1])
    clock.advance(hours=2, minutes=5)
    body = login(company.alice).get(reverse("opportunities:detail", args=[opportunity.pk])).content.decode()
    for text in ["年度订阅", "3,000.00 CNY", "钱经理", "3 d 4 h", "2 h 5 min", "still here"]:
        assert text in body, text


def test_sections_registered_by_other_apps_show_on_the_detail_page(company, login, make_opportunity, monkeypatch):
    from guanxi.sales.opportunities.views import detail

    monkeypatch.setattr(detail, "_SECTIONS", {})
    detail.register_opportunity_section("probe", "opportunities/customer_section.html",
                                        lambda request, o: {"visible": True, "customer": o.customer,
                                                            "opportunities": [o], "shown": 5})
    opportunity = make_opportunity(company.alice, "带区块的商机")
    body = login(company.alice).get(reverse("opportunities:detail", args=[opportunity.pk])).content.decode()
    assert 'id="opportunities"' in body


def test_create_form_prefills_the_customer_and_offers_its_contacts(company, login, make_customer, pipeline):
    customer = make_customer(company.alice, "预填客户")
    customer_services.contact_create(actor=company.alice, customer=customer, data={"name": "孙总"})
    body = login(company.alice).get(reverse("opportunities:create"), {"customer": customer.pk}).content.decode()
    assert f'<option value="{customer.pk}" selected>预填客户</option>' in body
    assert "孙总" in body


def test_create_from_the_form(company, login, make_customer, stages):
    customer = make_customer(company.alice, "表单客户")
    contact = customer_services.contact_create(actor=company.alice, customer=customer, data={"name": "周工"})
    response = login(company.alice).post(reverse("opportunities:create"), {
        "name": "表单商机", "customer": customer.pk, "contacts": [contact.pk], "amount": "5000", "currency": "CNY",
        "stage": stages["open"][1].pk, "probability": "", "owner": company.alice.pk, "source": "",
        "competitors": "友商A", "notes": "<b>重要</b>", "expected_close_date": "2026-09-30",
    })
    opportunity = Opportunity.objects.get(name="表单商机")
    assert response.status_code == 302
    assert (opportunity.stage, opportunity.probability, list(opportunity.contacts.all())) == (
        stages["open"][1], 25, [contact])
    body = login(company.alice).get(reverse("opportunities:detail", args=[opportunity.pk])).content.decode()
    assert "&lt;b&gt;重要&lt;/b&gt;" in body


def test_the_customer_picker_offers_only_customers_in_scope(company, login, make_customer, pipeline):
    make_customer(company.alice, "云栖科技")
    make_customer(company.dave, "云栖贸易")
    body = login(company.alice).get(reverse("opportunities:customer_options"),
                                    {"customer_q": "云栖"}).content.decode()
    assert "云栖科技" in body and "云栖贸易" not in body


def test_a_hidden_customer_posted_to_the_form_is_refused(company, login, make_customer, stages):
    daves = make_customer(company.dave, "赵磊的客户")
    response = login(company.alice).post(reverse("opportunities:create"), {
        "name": "越权", "customer": daves.pk, "amount": "1", "currency": "CNY", "stage": stages["open"][0].pk,
        "owner": company.alice.pk})
    assert response.status_code == 400
    assert "Choose a customer you can see." in response.content.decode()
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize("field,value", [("name", "x" * 201), ("amount", "-5"), ("amount", "1e30"),
                                         ("probability", "101"), ("expected_close_date", "2026-02-30")])
def test_bad_form_input_is_shown_not_saved(company, login, make_customer, stages, field, value):
    customer = make_customer(company.alice, "坏输入客户")
    data = {"name": "坏输入", "customer": customer.pk, "amount": "1", "currency": "CNY",
            "stage": stages["open"][0].pk, "owner": company.alice.pk, field: value}
    response = login(company.alice).post(reverse("opportunities:create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors.get(field)
    assert not Opportunity.objects.exists()


def test_edit_with_a_stale_version_keeps_the_typing_and_says_so(company, login, make_opportunity):
    opportunity = make_opportunity(company.alice, "原名")
    services.opportunity_update(actor=company.carol, opportunity=_fresh(opportunity), data={"name": "经理改的"})
    response = login(company.alice).post(reverse("opportunities:edit", args=[opportunity.pk]), {
        "name": "我改的", "customer": opportunity.customer_id, "amount": "100000", "currency": "CNY",
        "version": 1})
    assert response.status_code == 409
    assert "Someone else changed this opportunity while you were editing" in response.content.decode()
    assert _fresh(opportunity).name == "经理改的"


def test_add_a_line_on_the_page_and_the_amount_follows(company, login, make_opportunity):
    opportunity = make_opportunity(company.alice)
    client = login(company.alice)
    client.post(reverse("opportunities:line_add", args=[opportunity.pk]),
                {"description": "培训", "quantity": "3", "unit_price": "200", "version": opportunity.version})
    assert _fresh(opportunity).amount == Decimal("600.00")
    response = client.post(reverse("opportunities:line_add", args=[opportunity.pk]),
                           {"description": "", "quantity": "1", "unit_price": "", "version": 2})
    assert response.status_code == 400
    assert "Enter a unit price." in response.content.decode()


def test_the_customer_page_lists_its_opportunities(company, login, make_opportunity):
    opportunity = make_opportunity(company.alice, "客户页上的商机")
    url = reverse("customers:section", args=[opportunity.customer_id, "opportunities"])
    body = login(company.alice).get(url).content.decode()
    assert "客户页上的商机" in body
    assert f"{reverse('opportunities:create')}?customer={opportunity.customer_id}" in body


def test_recycle_bin_restores(company, login, make_opportunity):
    opportunity = make_opportunity(company.alice, "删了又恢复")
    client = login(company.alice)
    client.post(reverse("opportunities:delete", args=[opportunity.pk]))
    assert "删了又恢复" in client.get(reverse("opportunities:recycle_bin")).content.decode()
    client.post(reverse("opportunities:restore", args=[opportunity.pk]))
    assert _fresh(opportunity).deleted_at is None


# -- pipeline settings --


def test_deleting_a_stage_in_use_offers_to_move_its_opportunities(company, login, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    client = login(company.root)
    url = reverse("opportunities:stage_delete", args=[stages["open"][0].pk])
    page = client.get(url).content.decode()
    assert "1 opportunity is in this stage" in page
    refused = client.post(url, {})
    assert refused.status_code == 400 and "Choose a stage to move the opportunities to." in refused.content.decode()
    client.post(url, {"move_to": stages["open"][1].pk})
    assert _fresh(opportunity).stage == stages["open"][1]
    assert StageChange.objects.filter(opportunity=opportunity).count() == 2


def test_stage_edit_refuses_breaking_the_rules_with_a_message(company, login, stages):
    response = login(company.root).post(reverse("opportunities:stage_edit", args=[stages["won"].pk]),
                                        {"name": "赢单", "probability": "100", "kind": "open", "is_active": "1"},
                                        follow=True)
    assert "A pipeline needs exactly one won stage." in response.content.decode()
    stages["won"].refresh_from_db()
    assert stages["won"].kind == "won"
