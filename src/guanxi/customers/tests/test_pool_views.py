"""The pool pages: the pool list (who sees which pool, filters, paging, claim and assign buttons, query
counts), the pool block of the customer page (return with a reason, history, notice), the notice on the
customer list, and the admin pages that configure pools and rules."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.system import SYSTEM
from guanxi.core.testing import assert_matrix
from guanxi.customers.models import Customer, CustomerPool, OwnershipEvent, PoolRule
from guanxi.customers.pool import services as pool_services
from guanxi.customers.pool.sweep import pool_sweep
from guanxi.customers.tests.pool_support import NOW, reload

pytestmark = pytest.mark.django_db

POOL = reverse("customers:pool")
ADMIN = reverse("customers:pool_admin")
HTMX = {"HX-Request": "true", "HX-Target": "results"}


def _pool_url(pool, **params):
    query = "&".join(f"{k}={v}" for k, v in {"pool": pool.pk, **params}.items())
    return f"{POOL}?{query}"


# -- the pool list --


def test_pool_list_shows_each_user_the_customers_of_their_pools(company, login, pools, pooled):
    pooled(pools.company, "公海里的客户")
    pooled(pools.team, "一部公海的客户")

    def sees(pool, name):
        return lambda u: name in login(u).get(_pool_url(pool)).content.decode()

    assert_matrix(company, sees(pools.company, "公海里的客户"),
                  {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True})
    assert_matrix(company, sees(pools.team, "一部公海的客户"),
                  {"alice": True, "bob": True, "carol": True, "dave": False, "erin": False, "root": True})


def test_a_pool_one_does_not_belong_to_is_not_found(company, login, pools):
    assert login(company.dave).get(_pool_url(pools.team)).status_code == 404
    assert login(company.dave).get(f"{POOL}?pool=abc").status_code == 404
    assert login(company.erin).get(POOL).status_code == 403


def test_without_pools_the_page_says_so(company, login):
    body = login(company.alice).get(POOL).content.decode()
    assert "You do not belong to any customer pool yet." in body


def test_pool_list_filters_by_grade_industry_region_and_name(company, login, pools, pooled):
    pooled(pools.team, "深圳腾远电子", grade="A", industry="it", region="广东 深圳")
    pooled(pools.team, "北京远方贸易", grade="C", industry="retail", region="北京")
    client = login(company.alice)
    for params in ({"grade": "A"}, {"industry": "it"}, {"region": "广东"}, {"q": "腾远"}, {"q": "tengyuan"}):
        body = client.get(_pool_url(pools.team, **params)).content.decode()
        assert "深圳腾远电子" in body and "北京远方贸易" not in body, params


def test_bad_filters_are_reported_not_crashed_on(company, login, pools, pooled):
    pooled(pools.team, "客户")
    response = login(company.alice).get(_pool_url(pools.team, grade="Z", industry="<b>x</b>", cursor="zz!"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Some filters are not valid." in body and "<b>x</b>" not in body


def test_pool_list_pages_by_keyset(company, login, pools, pooled):
    for i in range(53):
        pooled(pools.team, f"池客户{i:02d}")
    client = login(company.alice)
    first = client.get(_pool_url(pools.team)).context["page"]
    assert len(first.items) == 50 and first.next_cursor
    second = client.get(_pool_url(pools.team, cursor=first.next_cursor)).context["page"]
    assert len(second.items) == 3 and second.next_cursor is None
    assert len({c.pk for c in first.items} | {c.pk for c in second.items}) == 53


def test_htmx_filtering_returns_only_the_results(company, login, pools, pooled):
    pooled(pools.team, "片段客户")
    response = login(company.alice).get(_pool_url(pools.team, q="片段"), headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">') and "片段客户" in body and "<html" not in body


def test_claim_and_assign_buttons_follow_the_rights(company, login, pools, pooled):
    pooled(pools.team, "客户")
    alice_page = login(company.alice).get(_pool_url(pools.team)).content.decode()
    carol_page = login(company.carol).get(_pool_url(pools.team)).content.decode()
    assert "Claim" in alice_page and "assign-form" not in alice_page
    assert "assign-form" in carol_page and "王芳" in carol_page and "赵磊" not in carol_page


@pytest.mark.parametrize("rows", [5, 30])
def test_pool_list_query_count_does_not_grow(company, login, pools, pooled, django_assert_max_num_queries, rows):
    for i in range(rows):
        pooled(pools.team, f"客户{i}", phone="13812345678")
    client = login(company.carol)
    client.get(_pool_url(pools.team))
    with django_assert_max_num_queries(12):
        response = client.get(_pool_url(pools.team))
    assert response.status_code == 200 and len(response.context["rows"]) == rows


def test_phones_are_masked_in_the_pool_for_sellers(company, login, pools, pooled):
    pooled(pools.team, "客户", phone="13812345678")
    assert "13812345678" not in login(company.alice).get(_pool_url(pools.team)).content.decode()
    assert "13812345678" in login(company.carol).get(_pool_url(pools.team)).content.decode()


# -- claiming and assigning from the page --


def test_claim_from_the_list_opens_the_customer(company, login, pools, pooled):
    customer = pooled(pools.team, "要领取的")
    response = login(company.alice).post(reverse("customers:pool_claim", args=[customer.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert reload(customer).owner_id == company.alice.pk


def test_a_refused_claim_says_why_and_changes_nothing(company, login, pools, pooled, make_customer, set_rules):
    set_rules(pools.team, {"grade": "", "max_owned": 1})
    make_customer(company.alice, "已有")
    customer = pooled(pools.team)
    response = login(company.alice).post(reverse("customers:pool_claim", args=[customer.pk]),
                                         {"next": _pool_url(pools.team)}, follow=True)
    body = response.content.decode()
    assert "You may own at most 1 customers under this pool&#x27;s rules" in body
    assert reload(customer).in_pool


def test_claiming_what_is_gone_or_out_of_reach_says_it_is_no_longer_there(company, login, pools, pooled):
    customer = pooled(pools.team)
    pool_services.customer_claim(actor=company.bob, customer=customer)
    response = login(company.alice).post(reverse("customers:pool_claim", args=[customer.pk]), follow=True)
    assert "This customer is no longer in your pools." in response.content.decode()
    assert login(company.alice).get(reverse("customers:pool_claim", args=[customer.pk])).status_code == 405


def test_assign_from_the_list(company, login, pools, pooled):
    customers = [pooled(pools.team, f"客户{i}") for i in range(2)]
    response = login(company.carol).post(reverse("customers:pool_assign"),
                                         {"ids": [c.pk for c in customers], "owner": company.bob.pk,
                                          "next": _pool_url(pools.team)}, follow=True)
    assert "2 customers assigned to 李强." in response.content.decode()
    assert all(reload(c).owner_id == company.bob.pk for c in customers)


@pytest.mark.parametrize("data", [{"ids": [], "owner": "2"}, {"ids": ["x"], "owner": "2"},
                                  {"ids": ["1"], "owner": "99999"}, {"ids": ["1"]}])
def test_assign_with_bad_input_is_refused(company, login, pools, pooled, data):
    customer = pooled(pools.team)
    data = {**data, "ids": [str(customer.pk) if i == "1" else i for i in data.get("ids", [])]}
    response = login(company.carol).post(reverse("customers:pool_assign"), data, follow=True)
    assert response.status_code == 200 and reload(customer).in_pool
    assert response.context["messages"]


def test_assign_needs_the_transfer_right(company, login, pools, pooled):
    customer = pooled(pools.team)
    response = login(company.alice).post(reverse("customers:pool_assign"), {"ids": [customer.pk],
                                                                             "owner": company.alice.pk})
    assert response.status_code == 403 and reload(customer).in_pool


# -- the customer page --


def test_customer_page_of_a_pool_customer_is_read_only_with_claim(company, login, pools, pooled):
    customer = pooled(pools.team, "池中客户")
    body = login(company.bob).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "This customer waits in the pool “销售一部公海”" in body
    assert reverse("customers:pool_claim", args=[customer.pk]) in body
    assert reverse("customers:edit", args=[customer.pk]) not in body
    assert login(company.bob).get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    assert login(company.dave).get(reverse("customers:detail", args=[customer.pk])).status_code == 404


def test_return_from_the_customer_page_with_a_reason(company, login, pools, owned):
    customer = owned(company.alice, "要退回")
    client = login(company.alice)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("customers:pool_return", args=[customer.pk]) in page
    response = client.post(reverse("customers:pool_return", args=[customer.pk]), {"pool-reason": "客户已倒闭"},
                           follow=True)
    assert "went back to the pool “销售一部公海”" in response.content.decode()
    assert reload(customer).in_pool
    # Still visible to alice as a pool member: the page shows the history.
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "王芳 returned it to “销售一部公海” (owner was 王芳)." in page and "客户已倒闭" in page


@pytest.mark.parametrize("reason", ["", "x" * 501])
def test_return_without_a_proper_reason_keeps_the_owner(company, login, pools, owned, reason):
    customer = owned(company.alice)
    response = login(company.alice).post(reverse("customers:pool_return", args=[customer.pk]),
                                         {"pool-reason": reason}, follow=True)
    assert response.status_code == 200 and reload(customer).owner_id == company.alice.pk
    assert not OwnershipEvent.objects.exists()


def test_readers_get_no_return_form_and_cannot_post_one(company, login, pools, owned):
    from guanxi.customers import services

    customer = owned(company.alice)
    services.customer_set_collaborator(actor=company.alice, customer=customer, user=company.bob, can_edit=False)
    page = login(company.bob).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("customers:pool_return", args=[customer.pk]) not in page
    response = login(company.bob).post(reverse("customers:pool_return", args=[customer.pk]), {"pool-reason": "x"})
    assert response.status_code == 403 and reload(customer).owner_id == company.alice.pk


def test_notice_shows_on_the_customer_list_and_page(company, login, pools, make_customer, set_rules):
    set_rules(pools.team, {"grade": "", "no_follow_up_days": 30, "warn_days": 5})
    customer = make_customer(company.alice, "快到期客户")
    now = timezone.now()
    Customer.objects.filter(pk=customer.pk).update(created_at=now - dt.timedelta(days=100),
                                                   last_contacted_at=now - dt.timedelta(days=27, hours=1))
    assert pool_sweep().newly_warned == 1
    client = login(company.alice)
    listing = client.get(reverse("customers:list")).content.decode()
    assert "Returns to the pool in 3 days" in listing
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "unless it is followed up first" in page


def test_history_on_the_page_lists_claims_and_automatic_returns(company, login, pools, owned, set_rules):
    set_rules(pools.team, {"grade": "", "no_follow_up_days": 30})
    customer = owned(company.alice, "来回客户", contacted=40)
    pool_sweep(now=NOW)
    pool_services.customer_claim(actor=company.bob, customer=reload(customer))
    page = login(company.bob).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "李强 claimed it from “销售一部公海”." in page
    assert "Returned to “销售一部公海” automatically from 王芳: 30 days without a follow-up." in page


# -- configuring pools --


def test_pool_admin_pages_are_for_pool_admins_only(company, login, pools):
    def opens(url):
        return lambda u: login(u).get(url).status_code == 200

    only_root = {"alice": False, "bob": False, "carol": False, "dave": False, "erin": False, "root": True}
    assert_matrix(company, opens(ADMIN), only_root)
    assert_matrix(company, opens(reverse("customers:pool_create")), only_root)
    assert_matrix(company, opens(reverse("customers:pool_edit", args=[pools.team.pk])), only_root)
    response = login(company.carol).post(reverse("customers:pool_delete", args=[pools.team.pk]))
    assert response.status_code == 403 and CustomerPool.objects.count() == 2


def _pool_form(**overrides):
    data = {"name": "华南公海", "department": "", "description": "华南区域",
            "rule_all_no_follow_up_days": "30", "rule_all_warn_days": "5", "rule_all_max_owned": "",
            "rule_A_on": "on", "rule_A_no_deal_days": "90", "rule_A_max_owned": "3"}
    data.update(overrides)
    return data


def test_admin_creates_a_pool_with_rules(company, login):
    response = login(company.root).post(reverse("customers:pool_create"),
                                        _pool_form(department=str(company.sales2.pk)))
    assert response.status_code == 302
    pool = CustomerPool.objects.get(name="华南公海")
    assert pool.department_id == company.sales2.pk
    rules = {r.grade: (r.no_follow_up_days, r.warn_days, r.no_deal_days, r.max_owned) for r in pool.rules.all()}
    assert rules == {"": (30, 5, None, None), "A": (None, None, 90, 3)}
    listing = login(company.root).get(ADMIN).content.decode()
    assert "returns after 30 days without a follow-up" in listing


def test_a_grade_row_without_its_tick_is_not_saved(company, login):
    login(company.root).post(reverse("customers:pool_create"), _pool_form(rule_A_on=""))
    assert list(PoolRule.objects.values_list("grade", flat=True)) == [""]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"name": ""}, "This field is required."),
    ({"rule_all_warn_days": "30"}, "Warn fewer days before the return than the return rule&#x27;s own days."),
    ({"rule_A_max_owned": "-1"}, "Ensure this value is greater than or equal to 1."),
    ({"rule_all_no_follow_up_days": "abc"}, "Enter a whole number."),
    ({"department": "999999"}, "Select a valid choice."),
])
def test_bad_pool_forms_show_the_error_on_the_field_and_save_nothing(company, login, overrides, message):
    response = login(company.root).post(reverse("customers:pool_create"), _pool_form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CustomerPool.objects.exists()


def test_admin_edits_a_pool_and_a_stale_form_is_refused(company, login, pools, set_rules):
    set_rules(pools.team, {"grade": "", "no_follow_up_days": 30})
    client = login(company.root)
    url = reverse("customers:pool_edit", args=[pools.team.pk])
    form = client.get(url).content.decode()
    assert 'value="30"' in form
    version = CustomerPool.objects.get(pk=pools.team.pk).version
    data = {"version": str(version), "name": "一部公海", "department": str(company.sales1.pk),
            "rule_all_no_follow_up_days": "45"}
    assert client.post(url, data).status_code == 302
    assert PoolRule.objects.get(pool=pools.team).no_follow_up_days == 45
    stale = client.post(url, {**data, "name": "覆盖"})
    assert stale.status_code == 409 and "Someone else changed this record meanwhile." in stale.content.decode()
    assert CustomerPool.objects.get(pk=pools.team.pk).name == "一部公海"


def test_deleting_a_pool_with_customers_waiting_is_refused(company, login, pools, pooled):
    pooled(pools.team)
    response = login(company.root).post(reverse("customers:pool_delete", args=[pools.team.pk]), follow=True)
    assert "1 customers still wait in this pool" in response.content.decode()
    assert login(company.root).post(reverse("customers:pool_delete", args=[pools.company.pk])).status_code == 302
    assert list(CustomerPool.objects.values_list("name", flat=True)) == ["销售一部公海"]


def test_pool_pages_speak_chinese(company, client, pools, pooled):
    pooled(pools.team, "客户")
    client.force_login(company.alice)
    body = client.get(_pool_url(pools.team), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "公海" in body and "领取" in body
    client.force_login(company.root)
    admin = client.get(reverse("customers:pool_create"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "其他所有等级" in admin


def test_admin_page_names_each_pools_members(company, login, pools):
    pool_services.pool_create(actor=SYSTEM, data={"name": "总部公海", "department": company.hq})
    body = login(company.root).get(ADMIN).content.decode()
    assert "总部公海" in body and "总部 and below" in body
