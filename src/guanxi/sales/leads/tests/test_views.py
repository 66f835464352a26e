"""Lead pages: what each member of the cast sees and may do, the pool and claiming, filters and paging,
forms with bad input, conversion, the rules admin, and query counts that do not grow with the rows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.activities.models import FollowUp
from guanxi.core.models import AuditEvent
from guanxi.core.system import SYSTEM
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers.models import Customer
from guanxi.sales.leads import services
from guanxi.sales.leads.models import AssignmentRule, Lead, LeadFollowUp

pytestmark = pytest.mark.django_db

LIST = reverse("leads:list")
POOL = reverse("leads:pool")
HTMX = {"HX-Request": "true", "HX-Target": "results"}
EVERYONE_WITH_LEADS = {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True}
ASSIGNERS = {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


def _form(lead=None, **overrides):
    data = {"name": lead.name if lead else "张伟", "company": "", "title": "", "phone": "", "email": "",
            "source": "", "region": "", "status": "new", "notes": ""}
    if lead is not None:
        data["version"] = str(lead.version)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# -- the list and the pool --


def test_list_shows_only_the_leads_each_user_may_see(company, login, make_lead):
    make_lead(company.alice, "阿里斯线索", company="")
    make_lead(None, "池中线索", company="")

    def sees(name):
        return lambda user: name in login(user).get(LIST).content.decode()

    assert_matrix(company, sees("阿里斯线索"), ALICE_RECORD_VISIBLE)
    assert_matrix(company, sees("池中线索"), {**EVERYONE_WITH_LEADS, "erin": False})
    assert login(company.erin).get(LIST).status_code == 403


def test_pool_lists_unowned_open_leads_with_a_claim_button(company, login, make_lead):
    pooled = make_lead(None, "池中线索", company="")
    make_lead(None, "已关闭", company="", status="disqualified")
    make_lead(company.bob, "李强的", company="")
    response = login(company.dave).get(POOL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "池中线索" in body and "已关闭" not in body and "李强的" not in body
    assert reverse("leads:claim", args=[pooled.pk]) in body
    assert login(company.erin).get(POOL).status_code == 403


def test_claim_from_the_pool_page(company, login, make_lead):
    lead = make_lead(None)
    response = login(company.bob).post(reverse("leads:claim", args=[lead.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("leads:detail", args=[lead.pk])
    assert Lead.objects.get(pk=lead.pk).owner == company.bob
    # Someone whose page still showed it is told, not shown an error page.
    response = login(company.carol).post(reverse("leads:claim", args=[lead.pk]), follow=True)
    assert "This lead already has an owner: 李强." in response.content.decode()
    assert login(company.dave).post(reverse("leads:claim", args=[lead.pk])).status_code == 404
    assert login(company.bob).get(reverse("leads:claim", args=[lead.pk])).status_code == 405


def test_mine_tab_and_filters(company, login, make_lead):
    make_lead(company.alice, "网站来的", company="甲公司", source="website", status="qualified", region="广东 深圳")
    make_lead(company.bob, "展会来的", company="乙公司", source="exhibition")
    client = login(company.carol)

    def names(**params):
        body = client.get(LIST, params).content.decode()
        return {n for n in ("网站来的", "展会来的") if n in body}

    assert names() == {"网站来的", "展会来的"}
    assert names(source="website") == {"网站来的"}
    assert names(status="qualified") == {"网站来的"}
    assert names(owner=company.bob.pk) == {"展会来的"}
    assert names(region="广东") == {"网站来的"}
    assert names(q="乙公") == {"展会来的"}
    assert login(company.alice).get(LIST, {"scope": "mine"}).context["count"] == 1


def test_search_by_phone_and_email(company, login, make_lead):
    make_lead(company.alice, "电话线索", company="", phone="13812345678", email="boss@example.com")
    make_lead(company.alice, "别的", company="")
    client = login(company.alice)
    for query in ["138 1234 5678", "+86 13812345678", "BOSS@example.com"]:
        body = client.get(LIST, {"q": query}).content.decode()
        assert "电话线索" in body and "别的" not in body, query


def test_invalid_filters_are_explained(company, login):
    response = login(company.alice).get(LIST, {"owner": "abc", "status": "bogus", "scope": "everyone"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Some filters are not valid." in body
    assert "Owner: This value is not valid." in body and "Show: This value is not valid." in body


@pytest.mark.parametrize("query", ["x" * 1_000_000, "'; DROP TABLE leads_lead; --", "<script>alert(1)</script>", "%_%"])
def test_odd_search_text_is_harmless(company, login, make_lead, query):
    make_lead(company.alice, "正常线索", company="")
    response = login(company.alice).get(LIST, {"q": query})
    body = response.content.decode()
    assert response.status_code == 200
    assert "正常线索" not in body and "<script>alert(1)</script>" not in body


def test_htmx_filtering_returns_only_the_results(company, login, make_lead):
    make_lead(company.alice, "片段线索", company="")
    body = login(company.alice).get(LIST, {"q": "片段"}, headers=HTMX).content.decode()
    assert body.lstrip().startswith('<div id="results">') and "片段线索" in body


def test_keyset_paging_walks_every_lead_once(company, login, make_lead):
    for i in range(55):
        make_lead(company.alice, f"线索{i:03d}", company="")
    client = login(company.alice)
    page1 = client.get(LIST).context["page"]
    page2 = client.get(LIST, {"cursor": page1.next_cursor}).context["page"]
    assert len(page1.items) == 50 and len(page2.items) == 5 and page2.next_cursor is None
    assert len({lead.pk for lead in page1.items + page2.items}) == 55
    assert "This page link is no longer valid" in client.get(LIST, {"cursor": "nope!!"}).content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow_with_rows(company, login, make_lead, django_assert_max_num_queries, rows):
    for i in range(rows):
        make_lead(company.alice if i % 3 else None, f"线索{i}", company=f"公司{i}", phone="13812345678")
    client = login(company.carol)
    client.get(LIST)
    with django_assert_max_num_queries(9):
        response = client.get(LIST)
    assert len(response.context["rows"]) == rows
    with django_assert_max_num_queries(9):
        client.get(POOL)


def test_phones_and_emails_are_masked_without_the_sensitive_right(company, login, make_lead):
    lead = make_lead(company.alice, phone="13812345678", email="boss@example.com")
    assert "138****5678" in login(company.alice).get(LIST).content.decode()
    body = login(company.carol).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "13812345678" in body and "boss@example.com" in body
    body = login(company.alice).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "13812345678" not in body and "b***@example.com" in body


def test_bulk_assign_and_delete(company, login, make_lead):
    leads = [make_lead(company.alice, f"批量{i}", company="") for i in range(3)]
    client = login(company.carol)
    response = client.post(reverse("leads:bulk"), {"action": "assign", "owner": company.bob.pk,
                                                   "ids": [lead.pk for lead in leads]}, follow=True)
    assert "3 leads assigned to 李强." in response.content.decode()
    assert set(Lead.objects.values_list("owner", flat=True)) == {company.bob.pk}
    response = client.post(reverse("leads:bulk"), {"action": "delete", "ids": [leads[0].pk]}, follow=True)
    assert "1 lead moved to the recycle bin." in response.content.decode()


def test_bulk_with_an_out_of_scope_id_changes_nothing(company, login, make_lead):
    mine, dave_s = make_lead(company.alice), make_lead(company.dave, "赵六", company="")
    response = login(company.carol).post(reverse("leads:bulk"), {
        "action": "assign", "owner": company.bob.pk, "ids": [mine.pk, dave_s.pk]}, follow=True)
    assert "not available to you, so nothing was changed" in response.content.decode()
    assert Lead.objects.get(pk=mine.pk).owner == company.alice


@pytest.mark.parametrize("ids,message", [([], "Tick at least one lead first."),
                                         (["abc"], "The selection is not valid."),
                                         (["-1"], "Tick at least one lead first.")])
def test_bulk_with_a_bad_selection_is_refused(company, login, make_lead, ids, message):
    make_lead(company.alice)
    response = login(company.carol).post(reverse("leads:bulk"), {"action": "assign", "owner": company.bob.pk,
                                                                 "ids": ids}, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    assert not AuditEvent.objects.filter(action="lead.assigned").exists()


def test_bulk_assign_without_the_right_is_refused(company, login, make_lead):
    lead = make_lead(company.alice)
    response = login(company.alice).post(reverse("leads:bulk"), {"action": "assign", "owner": company.alice.pk,
                                                                 "ids": [lead.pk]}, follow=True)
    assert "You do not have permission to do this." in response.content.decode()


def test_apply_rules_from_the_pool_page(company, login, make_lead, make_rule):
    lead = make_lead(None, source="website")
    make_rule([company.bob], sources=["website"])
    response = login(company.carol).post(reverse("leads:rules_apply"), {"next": "pool"}, follow=True)
    assert "The rules assigned 1 lead." in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).owner == company.bob
    assert login(company.alice).post(reverse("leads:rules_apply")).status_code == 403


# -- the lead page --


def test_detail_matrix_and_404_for_missing(company, login, make_lead):
    lead = make_lead(company.alice)
    url = reverse("leads:detail", args=[lead.pk])
    assert_matrix(company, lambda u: login(u).get(url).status_code == 200, ALICE_RECORD_VISIBLE)
    statuses = {name: login(u).get(url).status_code for name, u in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}
    assert login(company.alice).get(reverse("leads:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("rows", [2, 20])
def test_detail_query_count_does_not_grow_with_the_timeline(company, login, make_lead, log_follow_up,
                                                            django_assert_max_num_queries, rows):
    lead = make_lead(company.alice)
    for i in range(rows):
        log_follow_up(company.alice if i % 2 else company.carol, lead, f"跟进{i}")
        services.lead_update(actor=company.alice, lead=Lead.objects.get(pk=lead.pk), data={"title": f"职位{i}"})
    client = login(company.alice)
    client.get(reverse("leads:detail", args=[lead.pk]))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("leads:detail", args=[lead.pk]))
    assert len(response.context["timeline"]) >= 2 * rows


def test_detail_shows_timeline_with_follow_ups_and_changes(company, login, make_lead, log_follow_up):
    lead = make_lead(company.alice)
    log_follow_up(company.alice, lead, "电话沟通报价")
    body = login(company.alice).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "电话沟通报价" in body and "created this lead" in body and "changed this lead" in body
    assert "Contacting" in body


def test_log_follow_up_from_the_lead_page(company, login, make_lead):
    lead = make_lead(company.alice)
    url = reverse("leads:follow_up_create", args=[lead.pk])
    response = login(company.alice).post(url, {"fu-kind": "visit", "fu-content": "上门拜访"})
    assert response.status_code == 302
    follow_up = LeadFollowUp.objects.get()
    assert (follow_up.kind, follow_up.content, follow_up.author) == ("visit", "上门拜访", company.alice)
    assert Lead.objects.get(pk=lead.pk).status == "contacting"


def test_bad_follow_up_shows_errors_on_the_page(company, login, make_lead):
    lead = make_lead(company.alice)
    url = reverse("leads:follow_up_create", args=[lead.pk])
    future = (timezone.now() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = login(company.alice).post(url, {"fu-kind": "call", "fu-content": "x", "fu-occurred_at": future})
    assert response.status_code == 400
    assert "A follow-up cannot be in the future." in response.content.decode()
    response = login(company.alice).post(url, {"fu-kind": "call", "fu-content": ""})
    assert response.status_code == 400
    assert not LeadFollowUp.objects.exists()


def test_follow_ups_on_pool_or_out_of_scope_leads_are_refused(company, login, make_lead):
    pooled, alices = make_lead(None), make_lead(company.alice, "李四", company="")
    response = login(company.bob).post(reverse("leads:follow_up_create", args=[pooled.pk]),
                                       {"fu-kind": "call", "fu-content": "试试"})
    assert response.status_code == 400 and "Claim this lead from the pool" in response.content.decode()
    assert login(company.bob).post(reverse("leads:follow_up_create", args=[alices.pk]),
                                   {"fu-kind": "call", "fu-content": "试试"}).status_code == 404
    assert not LeadFollowUp.objects.exists()


def test_edit_and_delete_a_follow_up(company, login, make_lead, log_follow_up):
    follow_up = log_follow_up(company.alice, make_lead(company.alice))
    url = reverse("leads:follow_up_edit", args=[follow_up.pk])
    client = login(company.alice)
    assert client.get(url).status_code == 200
    response = client.post(url, {"fu-kind": "wechat", "fu-content": "改成微信"})
    assert response.status_code == 302
    assert LeadFollowUp.objects.get().content == "改成微信"
    assert login(company.bob).get(url).status_code == 404
    assert login(company.alice).post(reverse("leads:follow_up_delete", args=[follow_up.pk])).status_code == 302
    assert not LeadFollowUp.objects.exists()


def test_assign_from_the_lead_page(company, login, make_lead):
    lead = make_lead(company.alice)
    url = reverse("leads:assign", args=[lead.pk])
    body = login(company.carol).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert url in body
    assert url not in login(company.alice).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert login(company.carol).post(url, {"owner": company.bob.pk}).status_code == 302
    assert Lead.objects.get(pk=lead.pk).owner == company.bob
    assert login(company.alice).post(url, {"owner": company.alice.pk}).status_code == 403
    response = login(company.carol).post(url, {"owner": company.dave.pk}, follow=True)
    assert "Choose who takes this lead over." in response.content.decode()


# -- creating and editing --


def test_create_saves_and_opens_the_lead(company, login):
    response = login(company.alice).post(reverse("leads:create"), _form(
        company="宁波港务", phone="13812345678", source="referral", owner=str(company.alice.pk)))
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("leads:detail", args=[lead.pk])
    assert (lead.owner, lead.company, lead.phone_e164, lead.source) == (company.alice, "宁波港务", "+8613812345678",
                                                                        "referral")


def test_create_without_owner_follows_the_rules(company, login, make_rule):
    make_rule([company.dave])
    response = login(company.alice).post(reverse("leads:create"), _form(owner=""), follow=True)
    assert "The assignment rules gave it to a seller outside your view." in response.content.decode()
    assert Lead.objects.get().owner == company.dave


def test_sellers_may_only_pick_themselves_or_nobody_as_owner(company, login):
    form = login(company.alice).get(reverse("leads:create")).context["form"]
    assert list(form.fields["owner"].queryset) == [company.alice]
    response = login(company.alice).post(reverse("leads:create"), _form(owner=str(company.bob.pk)))
    assert response.status_code == 400 and not Lead.objects.exists()
    manager_form = login(company.carol).get(reverse("leads:create")).context["form"]
    assert set(manager_form.fields["owner"].queryset) == {company.alice, company.bob, company.carol, company.erin}


@pytest.mark.parametrize("overrides,message", [
    ({"name": ""}, "This field is required."),
    ({"phone": "12345"}, "Enter a valid phone number"),
    ({"email": "nope"}, "Enter a valid email address."),
    ({"name": "x" * 101}, "Ensure this value has at most 100 characters"),
    ({"status": "converted"}, "Select a valid choice."),
])
def test_create_with_bad_input_shows_the_error_and_saves_nothing(company, login, overrides, message):
    response = login(company.alice).post(reverse("leads:create"), _form(owner=str(company.alice.pk), **overrides))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Lead.objects.exists()


def test_possible_duplicate_asks_to_confirm_then_saves(company, login, make_lead):
    make_lead(company.dave, "赵六", company="", phone="13812345678")
    data = _form(phone="13812345678", owner=str(company.alice.pk))
    response = login(company.alice).post(reverse("leads:create"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "赵磊" in body and 'name="confirmed"' in body and Lead.objects.count() == 1
    response = login(company.alice).post(reverse("leads:create"), {**data, "confirmed": "on"})
    assert response.status_code == 302 and Lead.objects.count() == 2


def test_blocking_policy_offers_no_confirmation(company, login, make_lead):
    from guanxi.dataquality.services import collision_policy_set

    make_lead(company.dave, "赵六", company="", phone="13812345678")
    collision_policy_set(actor=SYSTEM, mode="block")
    data = _form(phone="13812345678", owner=str(company.alice.pk), confirmed="on")
    response = login(company.alice).post(reverse("leads:create"), data)
    body = response.content.decode()
    assert response.status_code == 400 and "duplicates may not be saved" in body
    assert 'name="confirmed"' not in body and Lead.objects.count() == 1


def test_script_typed_into_fields_is_shown_escaped(company, login):
    login(company.alice).post(reverse("leads:create"), _form(name="<script>alert(1)</script>",
                                                             owner=str(company.alice.pk)))
    lead = Lead.objects.get()
    body = login(company.alice).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_edit_matrix(company, login, make_lead):
    lead = make_lead(company.alice)
    url = reverse("leads:edit", args=[lead.pk])
    assert_matrix(company, lambda u: login(u).get(url).status_code == 200, ALICE_RECORD_VISIBLE)


def test_edit_saves_and_records_the_change(company, login, make_lead):
    lead = make_lead(company.alice)
    response = login(company.alice).post(reverse("leads:edit", args=[lead.pk]), _form(lead, status="qualified"))
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == "qualified"
    assert AuditEvent.objects.filter(action="lead.updated").exists()


def test_stale_edit_is_a_conflict_and_keeps_the_typing(company, login, make_lead):
    lead = make_lead(company.alice)
    services.lead_update(actor=company.carol, lead=Lead.objects.get(pk=lead.pk), data={"title": "总监"})
    response = login(company.alice).post(reverse("leads:edit", args=[lead.pk]), _form(lead, title="经理"))
    assert response.status_code == 409
    assert "Someone else changed this lead" in response.content.decode() and "经理" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).title == "总监"


def test_editing_a_lead_deleted_meanwhile_says_so(company, login, make_lead):
    lead = make_lead(company.alice)
    data = _form(lead, title="经理")
    services.lead_delete(actor=company.alice, lead=lead)
    response = login(company.alice).post(reverse("leads:edit", args=[lead.pk]), data)
    assert response.status_code == 409 and "deleted by someone else meanwhile" in response.content.decode()


def test_edit_keeps_a_hidden_phone_unless_replaced(company, login, make_lead):
    lead = make_lead(company.alice, phone="13812345678")
    login(company.alice).post(reverse("leads:edit", args=[lead.pk]), _form(lead, title="经理"))
    assert Lead.objects.get(pk=lead.pk).phone_e164 == "+8613812345678"


def test_delete_and_restore_from_the_recycle_bin(company, login, make_lead):
    lead = make_lead(company.alice)
    client = login(company.alice)
    assert client.post(reverse("leads:delete", args=[lead.pk])).status_code == 302
    assert lead.name in client.get(reverse("leads:recycle_bin")).content.decode()
    assert login(company.bob).post(reverse("leads:restore", args=[lead.pk])).status_code == 404
    assert login(company.alice).post(reverse("leads:restore", args=[lead.pk])).status_code == 302
    assert Lead.objects.get(pk=lead.pk).deleted_at is None
    assert login(company.erin).get(reverse("leads:recycle_bin")).status_code == 403


# -- conversion --


@pytest.fixture
def qualified(company, make_lead, log_follow_up):
    lead = make_lead(company.alice, "张伟", company="杭州云栖科技有限公司", phone="13812345678")
    log_follow_up(company.alice, lead, "第一次电话")
    lead = Lead.objects.get(pk=lead.pk)
    services.lead_update(actor=company.alice, lead=lead, data={"status": "qualified"})
    return Lead.objects.get(pk=lead.pk)


def test_convert_page_matrix(company, login, qualified):
    url = reverse("leads:convert", args=[qualified.pk])
    assert_matrix(company, lambda u: login(u).get(url).status_code == 200, ALICE_RECORD_VISIBLE)


def test_convert_page_offers_visible_matches_and_names_only_the_owner_of_others(company, login, qualified,
                                                                               make_customer):
    mine = make_customer(company.alice, "杭州云栖科技有限公司")
    make_customer(company.dave, "云栖科技", phone="13812345678")
    body = login(company.alice).get(reverse("leads:convert", args=[qualified.pk])).content.decode()
    assert f'value="{mine.pk}"' in body
    assert "Already followed by 赵磊 (销售二部)" in body and "云栖科技</" not in body


def test_convert_into_a_new_customer(company, login, qualified):
    response = login(company.alice).post(reverse("leads:convert", args=[qualified.pk]), {
        "mode": "new_customer", "version": qualified.version, "currency": "CNY"})
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert FollowUp.objects.get().customer == customer
    body = login(company.alice).get(reverse("leads:detail", args=[qualified.pk])).content.decode()
    assert "This lead is read-only now." in body and reverse("customers:detail", args=[customer.pk]) in body
    assert reverse("leads:edit", args=[qualified.pk]) not in body
    assert login(company.alice).get(reverse("leads:edit", args=[qualified.pk])).status_code == 403
    customer_page = login(company.alice).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Converted from leads" in customer_page and "第一次电话" in customer_page


def test_convert_by_attaching_to_a_match(company, login, qualified, make_customer):
    existing = make_customer(company.alice, "杭州云栖科技有限公司")
    url = reverse("leads:convert", args=[qualified.pk])
    response = login(company.alice).post(url, {"mode": "attach_contact", "version": qualified.version,
                                               "currency": "CNY"})
    assert response.status_code == 400 and "Choose the customer to attach this lead to." in response.content.decode()
    response = login(company.alice).post(url, {"mode": "attach_contact", "customer": existing.pk,
                                               "version": qualified.version, "currency": "CNY"})
    assert response.status_code == 302 and Customer.objects.count() == 1
    assert existing.contacts.get().name == "张伟"


def test_convert_with_stale_version_says_so_and_converts_nothing(company, login, qualified):
    response = login(company.alice).post(reverse("leads:convert", args=[qualified.pk]), {
        "mode": "new_customer", "version": qualified.version - 1, "currency": "CNY"})
    assert response.status_code == 409 and "Someone else changed this lead" in response.content.decode()
    assert not Customer.objects.exists()


def test_convert_needs_a_qualified_lead(company, login, make_lead):
    lead = make_lead(company.alice)
    response = login(company.alice).post(reverse("leads:convert", args=[lead.pk]), {
        "mode": "new_customer", "version": lead.version, "currency": "CNY"})
    assert response.status_code == 400 and "Only qualified leads can be converted" in response.content.decode()
    assert reverse("leads:convert", args=[lead.pk]) not in login(company.alice).get(
        reverse("leads:detail", args=[lead.pk])).content.decode()


# -- the rules admin --


def test_rules_admin_matrix(company, login, make_rule):
    rule = make_rule([company.alice])
    for url in (reverse("leads:rule_list"), reverse("leads:rule_create"), reverse("leads:rule_edit", args=[rule.pk])):
        def opens(user, url: str = url) -> bool:
            return login(user).get(url).status_code == 200

        assert_matrix(company, opens, ASSIGNERS)


def test_create_and_edit_a_rule_in_the_page(company, login):
    client = login(company.carol)
    response = client.post(reverse("leads:rule_create"), {
        "name": "华南展会", "position": "1", "is_active": "on", "sources": ["exhibition", "website"],
        "regions": "广东, 广西；海南", "members": [company.alice.pk, company.bob.pk]})
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert (rule.sources, rule.regions) == (["exhibition", "website"], ["广东", "广西", "海南"])
    assert {m.user for m in rule.memberships.all()} == {company.alice, company.bob}
    body = client.get(reverse("leads:rule_list")).content.decode()
    assert "华南展会" in body and "Exhibition" in body
    response = client.post(reverse("leads:rule_edit", args=[rule.pk]), {
        "name": "华南", "position": "1", "sources": [], "regions": "", "members": [company.bob.pk],
        "version": "1"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.is_active, rule.sources) == ("华南", False, [])
    assert client.post(reverse("leads:rule_delete", args=[rule.pk])).status_code == 302
    assert not AssignmentRule.objects.exists()


def test_bad_rule_form_shows_errors(company, login):
    response = login(company.carol).post(reverse("leads:rule_create"), {
        "name": "", "position": "-1", "members": [company.dave.pk]})
    assert response.status_code == 400
    assert not AssignmentRule.objects.exists()


def test_lead_pages_speak_chinese_by_default(company, client, make_lead):
    make_lead(None, "池中线索", company="")
    client.force_login(company.alice)
    body = client.get(POOL).content.decode()
    assert "线索池" in body and "领取" in body


def test_system_created_lead_shows_no_author(company, login):
    lead = services.lead_create(actor=SYSTEM, data={"name": "系统导入", "owner": company.alice})
    assert login(company.alice).get(reverse("leads:detail", args=[lead.pk])).status_code == 200
