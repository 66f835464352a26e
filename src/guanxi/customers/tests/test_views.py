"""Customer, contact and recycle-bin pages: what each member of the cast sees and may do,
bad input on every form, HTMX fragments, and query counts that do not grow with the rows."""

import pytest
from django.urls import reverse

from guanxi.core.models import AuditEvent
from guanxi.core.system import SYSTEM
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer, Tag
from guanxi.org.models import SavedView

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")
HTMX = {"HX-Request": "true", "HX-Target": "results"}


def _form(customer=None, **overrides):
    """A complete create/edit form submission."""
    data = {
        "name": customer.name if customer else "深圳华为技术有限公司",
        "kind": "company", "status": "potential", "grade": "", "industry": "", "source": "",
        "region": "", "address": "", "phone": "", "email": "", "website": "", "notes": "",
        "next_follow_up_at": "", "new_tags": "",
    }
    if customer is not None:
        data["version"] = str(customer.version)
        data["owner"] = str(customer.owner_id)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# -- the list --


def test_list_shows_only_the_customers_each_user_may_see(company, login, make_customer):
    make_customer(company.alice, "阿里斯客户")
    make_customer(company.dave, "戴夫客户")

    def sees(name):
        return lambda user: name in login(user).get(LIST).content.decode()

    assert_matrix(company, sees("阿里斯客户"), ALICE_RECORD_VISIBLE)
    assert_matrix(company, sees("戴夫客户"),
                  {"alice": False, "bob": False, "carol": False, "dave": True, "erin": False, "root": True})


def test_list_without_the_view_right_is_refused(company, login):
    response = login(company.erin).get(LIST)
    assert response.status_code == 403


def test_search_box_finds_by_pinyin_initials_phone_and_contact_name(company, login, make_customer):
    zhang = make_customer(company.alice, "张伟贸易", phone="13812345678")
    make_customer(company.alice, "李娜商行")
    services.contact_create(actor=SYSTEM, customer=zhang, data={"name": "欧阳锋"})
    client = login(company.alice)
    for query in ["zw", "138 1234 5678", "欧阳"]:
        body = client.get(LIST, {"q": query}).content.decode()
        assert "张伟贸易" in body and "李娜商行" not in body, query


def test_filters_by_status_grade_and_follow_up_due(company, login, make_customer):
    make_customer(company.alice, "赢单客户", status="won", grade="A")
    make_customer(company.alice, "潜在客户", status="potential")
    body = login(company.alice).get(LIST, {"status": "won", "grade": "A"}).content.decode()
    assert "赢单客户" in body and "潜在客户" not in body


def test_htmx_filtering_returns_only_the_table_fragment(company, login, make_customer):
    make_customer(company.alice, "片段客户")
    response = login(company.alice).get(LIST, {"q": "片段"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results">')
    assert "<html" not in body and "片段客户" in body
    assert "HX-Request" in response["Vary"]


def test_invalid_filter_values_show_a_clear_message_not_an_error(company, login):
    response = login(company.alice).get(LIST, {"owner": "abc", "created_from": "2024-13-45", "status": "bogus"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Some filters are not valid." in body
    assert "Owner: This value is not valid." in body
    assert "Created from: This value is not valid." in body


@pytest.mark.parametrize("query", ["x" * 1_000_000, "'; DROP TABLE customers_customer; --", "<script>alert(1)</script>",
                                   "%_%", "13800000000000000000000"])
def test_odd_search_text_is_harmless(company, login, make_customer, query):
    make_customer(company.alice, "正常客户")
    response = login(company.alice).get(LIST, {"q": query})
    body = response.content.decode()
    assert response.status_code == 200
    assert "正常客户" not in body and "<script>alert(1)</script>" not in body
    assert Customer.objects.count() == 1


def test_a_broken_page_link_says_so(company, login, make_customer):
    make_customer(company.alice)
    body = login(company.alice).get(LIST, {"cursor": "not-a-cursor!!"}).content.decode()
    assert "This page link is no longer valid" in body


def test_keyset_paging_walks_every_customer_once(company, login, make_customer):
    for i in range(55):
        make_customer(company.alice, f"客户{i:03d}")
    client = login(company.alice)
    first = client.get(LIST)
    page1 = first.context["page"]
    assert len(page1.items) == 50 and page1.next_cursor
    second = client.get(LIST, {"cursor": page1.next_cursor})
    page2 = second.context["page"]
    assert len(page2.items) == 5 and page2.next_cursor is None
    names = {c.name for c in page1.items} | {c.name for c in page2.items}
    assert len(names) == 55
    assert "First page" in second.content.decode()


def test_count_is_bounded(company, login, make_customer, monkeypatch):
    from guanxi.customers.views import common, listing

    monkeypatch.setattr(common, "COUNT_LIMIT", 3)
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    for i in range(5):
        make_customer(company.alice, f"客户{i}")
    body = login(company.alice).get(LIST).content.decode()
    assert "3+ customers" in body


def test_a_first_page_holding_everything_is_the_count(company, login, make_customer, monkeypatch):
    from guanxi.core import paging

    counted = []

    def bounded_count(*args, **kwargs):
        counted.append(args)
        return 0, False

    monkeypatch.setattr(paging, "bounded_count", bounded_count)
    for i in range(5):
        make_customer(company.alice, f"客户{i}")
    body = login(company.alice).get(LIST).content.decode()
    assert "5 customers" in body and counted == []


def test_a_name_search_past_its_first_page_says_at_least_a_page(company, login, make_customer, monkeypatch):
    from guanxi.customers.views import listing

    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    for i in range(5):
        make_customer(company.alice, f"腾远{i}号有限公司")
    client = login(company.alice)
    assert "2+ customers" in client.get(LIST, {"q": "腾远"}).content.decode()
    # Phone numbers and filters are counted as before.
    assert "5 customers" in client.get(LIST, {"status": "potential"}).content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow_with_rows(company, login, make_customer, custom_field,
                                                  django_assert_max_num_queries, rows):
    custom_field("level", "choice", choices=["金", "银"])
    tag = Tag.objects.create(name="重点")
    for i in range(rows):
        make_customer(company.alice if i % 2 else company.bob, f"客户{i}", tags=[tag], custom={"level": "金"},
                      phone="13812345678")
    client = login(company.carol)
    client.get(LIST)  # warm the content type and session caches
    with django_assert_max_num_queries(12):  # +1: the ids of the viewer's customer pools
        response = client.get(LIST)
    assert len(response.context["rows"]) == rows


def test_phones_and_emails_are_masked_without_the_sensitive_right(company, login, make_customer):
    make_customer(company.alice, "掩码客户", phone="13812345678", email="boss@example.com")
    alice_body = login(company.alice).get(LIST).content.decode()
    assert "138****5678" in alice_body and "13812345678" not in alice_body
    assert "b***@example.com" in alice_body and "boss@example.com" not in alice_body
    carol_body = login(company.carol).get(LIST).content.decode()
    assert "13812345678" in carol_body and "boss@example.com" in carol_body


def test_owner_filter_offers_only_users_in_scope(company, login):
    alice_owners = {u.username for u in login(company.alice).get(LIST).context["owners"]}
    carol_owners = {u.username for u in login(company.carol).get(LIST).context["owners"]}
    assert alice_owners == {"alice"}
    assert carol_owners == {"alice", "bob", "carol", "erin"}


def test_custom_fields_show_as_columns_and_filter_by_exact_value(company, login, make_customer, custom_field):
    custom_field("area", "choice", label="大区", choices=["华东", "华南"])
    custom_field("vip", "boolean", label="VIP")
    custom_field("lines", "multi_choice", label="产品线", choices=["云", "端"])
    make_customer(company.alice, "华东客户", custom={"area": "华东", "vip": True, "lines": ["云", "端"]})
    make_customer(company.alice, "华南客户", custom={"area": "华南", "vip": False, "lines": ["端"]})
    client = login(company.alice)
    body = client.get(LIST).content.decode()
    assert "大区" in body and "产品线" in body
    for params in [{"cf_area": "华东"}, {"cf_vip": "true"}, {"cf_lines": "云"}]:
        body = client.get(LIST, params).content.decode()
        assert "华东客户" in body and "华南客户" not in body, params


def test_invalid_custom_field_filters_are_reported(company, login, custom_field):
    custom_field("budget", "number", label="预算")
    body = login(company.alice).get(LIST, {"cf_budget": "lots", "cf_nope": "1"}).content.decode()
    assert "预算: Enter a number." in body
    assert "cf_nope: There is no such field." in body


# -- saved views --


def test_saved_view_keeps_only_filters_and_can_be_deleted_by_its_owner_only(company, login):
    client = login(company.alice)
    response = client.post(reverse("customers:saved_view_save"),
                           {"name": "我的A类", "query": "grade=A&cursor=abc&evil=<script>"})
    view = SavedView.objects.get(user=company.alice)
    assert view.query == "grade=A"
    assert response["Location"] == f"{LIST}?grade=A"
    assert "我的A类" in client.get(LIST).content.decode()
    other = login(company.bob).post(reverse("customers:saved_view_delete", args=[view.pk]))
    assert other.status_code == 404 and SavedView.objects.filter(pk=view.pk).exists()
    login(company.alice).post(reverse("customers:saved_view_delete", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_saved_view_without_a_name_is_refused(company, login):
    response = login(company.alice).post(reverse("customers:saved_view_save"), {"name": " " * 3, "query": ""},
                                         follow=True)
    assert "Give the view a name" in response.content.decode()
    assert not SavedView.objects.exists()


# -- bulk actions --


def test_bulk_transfer_moves_customers_and_reports_it(company, login, make_customer):
    a1, a2 = make_customer(company.alice, "甲"), make_customer(company.alice, "乙")
    response = login(company.carol).post(reverse("customers:bulk"), {
        "action": "transfer", "ids": [a1.pk, a2.pk], "owner": company.bob.pk, "next": LIST + "?q=x"}, follow=True)
    assert set(Customer.objects.values_list("owner__username", flat=True)) == {"bob"}
    assert "2 customers transferred to 李强." in response.content.decode()
    assert response.redirect_chain[-1][0] == LIST + "?q=x"


def test_bulk_action_with_an_out_of_scope_id_changes_nothing(company, login, make_customer):
    mine = make_customer(company.alice, "甲")
    theirs = make_customer(company.dave, "戴夫的")
    client = login(company.carol)
    for data in [{"action": "transfer", "owner": company.bob.pk}, {"action": "tag", "new_tag": "新标签"},
                 {"action": "delete"}]:
        response = client.post(reverse("customers:bulk"), {**data, "ids": [mine.pk, theirs.pk]}, follow=True)
        assert "not available to you, so nothing was changed" in response.content.decode()
    assert Customer.objects.get(pk=mine.pk).owner == company.alice
    assert Customer.objects.get(pk=theirs.pk).owner == company.dave
    assert not Tag.objects.filter(name="新标签").exists()
    assert Customer.objects.filter(deleted_at__isnull=True).count() == 2


def test_bulk_transfer_needs_the_transfer_right_and_an_owner_in_scope(company, login, make_customer):
    mine = make_customer(company.alice, "甲")
    denied = login(company.alice).post(reverse("customers:bulk"),
                                       {"action": "transfer", "ids": [mine.pk], "owner": company.alice.pk},
                                       follow=True)
    assert "You do not have permission to do this." in denied.content.decode()
    outside = login(company.carol).post(reverse("customers:bulk"),
                                        {"action": "transfer", "ids": [mine.pk], "owner": company.dave.pk},
                                        follow=True)
    assert "Select a valid choice" in outside.content.decode()
    assert Customer.objects.get(pk=mine.pk).owner == company.alice


def test_bulk_add_tag_and_delete(company, login, make_customer):
    a1, a2 = make_customer(company.alice, "甲"), make_customer(company.alice, "乙")
    client = login(company.alice)
    client.post(reverse("customers:bulk"), {"action": "tag", "ids": [a1.pk, a2.pk], "new_tag": "年度大客户"})
    assert set(Customer.objects.filter(tags__name="年度大客户").values_list("pk", flat=True)) == {a1.pk, a2.pk}
    response = client.post(reverse("customers:bulk"), {"action": "delete", "ids": [a1.pk]}, follow=True)
    assert "1 customer moved to the recycle bin." in response.content.decode()
    assert Customer.objects.get(pk=a1.pk).deleted_at is not None


@pytest.mark.parametrize("ids", [[], ["abc"], ["1; DROP TABLE customers_customer"]])
def test_bulk_with_a_bad_selection_is_refused(company, login, make_customer, ids):
    make_customer(company.alice, "甲")
    response = login(company.alice).post(reverse("customers:bulk"), {"action": "delete", "ids": ids}, follow=True)
    body = response.content.decode()
    assert "Tick at least one customer first." in body or "The selection is not valid." in body
    assert Customer.objects.filter(deleted_at__isnull=True).count() == 1


def test_bulk_redirect_never_leaves_the_site(company, login, make_customer):
    mine = make_customer(company.alice, "甲")
    response = login(company.alice).post(reverse("customers:bulk"), {
        "action": "delete", "ids": [mine.pk], "next": "https://evil.example.com/"})
    assert response["Location"] == LIST


# -- create and edit --


def test_create_saves_every_field_tags_and_custom_fields(company, login, custom_field):
    custom_field("budget", "number", label="预算")
    custom_field("signed", "date", label="签约日")
    custom_field("area", "choice", label="大区", choices=["华东"])
    custom_field("lines", "multi_choice", label="产品线", choices=["云", "端"])
    custom_field("vip", "boolean", label="VIP")
    custom_field("memo", "text", label="备注")
    old = Tag.objects.create(name="老客户")
    response = login(company.carol).post(reverse("customers:create"), _form(
        name="北京字节跳动", kind="company", status="intent", grade="A", industry="it", source="website",
        region="北京 海淀", address="知春路 1 号", phone="010 8888 6666", email="BD@Example.com",
        website="https://example.com", notes="首次拜访", next_follow_up_at="2030-01-02T09:30",
        owner=str(company.alice.pk), tags=[str(old.pk)], new_tags="重点，华北",
        cf_budget="1200.50", cf_signed="2025-03-01", cf_area="华东", cf_lines=["云", "端"], cf_vip="true",
        cf_memo="<b>hi</b>"))
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.owner == company.alice and customer.grade == "A" and customer.industry == "it"
    assert customer.phone_e164 == "+861088886666" and customer.email == "bd@example.com"
    assert customer.next_follow_up_at is not None
    assert sorted(t.name for t in customer.tags.all()) == ["华北", "老客户", "重点"]
    assert customer.custom == {"budget": "1200.50", "signed": "2025-03-01", "area": "华东", "lines": ["云", "端"],
                               "vip": True, "memo": "<b>hi</b>"}


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": "x" * 3_000_000}, "name", "Ensure this value has at most 200 characters"),
    ({"name": ""}, "name", "This field is required."),
    ({"phone": "12345"}, "phone", "Enter a valid phone number"),
    ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ({"website": "javascript:alert(1)"}, "website", "Enter a valid URL."),
    ({"status": "bogus"}, "status", "Select a valid choice."),
    ({"next_follow_up_at": "tomorrow"}, "next_follow_up_at", "Enter a valid date/time."),
    ({"notes": "n" * 10_001}, "notes", "Ensure this value has at most 10000 characters"),
    ({"new_tags": "t" * 41}, "new_tags", "A tag has at most 40 characters."),
])
def test_create_with_bad_input_shows_the_error_and_saves_nothing(company, login, overrides, field, message):
    response = login(company.alice).post(reverse("customers:create"),
                                         _form(**{"owner": str(company.alice.pk), **overrides}))
    assert response.status_code == 400
    assert message in " ".join(str(e) for e in response.context["form"].errors.get(field, []))
    assert not Customer.objects.exists()
    assert not Tag.objects.exists()


def test_custom_field_errors_land_on_their_field(company, login, custom_field):
    custom_field("contract_no", "text", label="合同号", required=True)
    custom_field("budget", "number", label="预算")
    response = login(company.alice).post(reverse("customers:create"), _form(cf_budget="1e20"))
    errors = response.context["form"].errors
    assert response.status_code == 400
    assert errors["cf_contract_no"] == ["This field is required."]
    assert "cf_budget" in errors
    assert not Customer.objects.exists()


def test_script_and_sql_typed_into_fields_are_stored_as_text_and_shown_escaped(company, login):
    name = "<script>alert('x')</script>'; DROP TABLE customers_customer; --"
    client = login(company.alice)
    client.post(reverse("customers:create"), _form(name=name, notes="<img src=x onerror=alert(1)>",
                                                   owner=str(company.alice.pk)))
    customer = Customer.objects.get()
    assert customer.name == name
    for url in [LIST, reverse("customers:detail", args=[customer.pk]), reverse("customers:edit", args=[customer.pk])]:
        body = client.get(url).content.decode()
        assert "<script>alert('x')" not in body and "<img src=x" not in body, url
        assert "&lt;script&gt;" in body, url


def test_owner_picker_on_the_form_is_scoped(company, login):
    alice_form = login(company.alice).get(reverse("customers:create")).context["form"]
    assert [u.username for u in alice_form.fields["owner"].queryset] == ["alice"]
    response = login(company.alice).post(reverse("customers:create"), _form(owner=str(company.dave.pk)))
    assert response.status_code == 400 and "owner" in response.context["form"].errors
    assert not Customer.objects.exists()


def test_edit_saves_changes_and_records_them(company, login, make_customer):
    customer = make_customer(company.alice, "旧名", status="potential")
    response = login(company.alice).post(reverse("customers:edit", args=[customer.pk]),
                                         _form(customer, name="新名", status="won"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "新名" and customer.status == "won" and customer.version == 2
    event = AuditEvent.objects.get(action="customer.updated")
    assert event.changes["status"] == ["potential", "won"]


def test_stale_edit_says_someone_else_changed_it_and_keeps_the_typing(company, login, make_customer):
    customer = make_customer(company.alice, "原名", region="上海")
    stale = _form(customer, name="我的新名", region="杭州")
    services.customer_update(actor=SYSTEM, customer=Customer.objects.get(pk=customer.pk), data={"region": "苏州"})
    client = login(company.alice)
    response = client.post(reverse("customers:edit", args=[customer.pk]), stale)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this customer" in body
    assert 'value="我的新名"' in body and 'value="杭州"' in body
    assert "苏州" in body  # what is saved now is shown
    assert Customer.objects.get(pk=customer.pk).region == "苏州"
    # The form now carries the current version: saving again is a deliberate overwrite.
    again = client.post(reverse("customers:edit", args=[customer.pk]),
                        {**stale, "version": response.context["form"].data["version"]})
    assert again.status_code == 302
    assert Customer.objects.get(pk=customer.pk).region == "杭州"


def test_editing_a_customer_deleted_meanwhile_says_so_and_changes_nothing(company, login, make_customer):
    customer = make_customer(company.alice, "将被删除")
    typed = _form(customer, name="改了名")
    services.customer_delete(actor=SYSTEM, customer=customer)
    response = login(company.alice).post(reverse("customers:edit", args=[customer.pk]), typed)
    body = response.content.decode()
    assert response.status_code == 409
    assert "deleted by someone else meanwhile" in body and 'value="改了名"' in body
    assert Customer.objects.get(pk=customer.pk).name == "将被删除"
    # Someone who never could see it gets the plain 404.
    assert login(company.dave).post(reverse("customers:edit", args=[customer.pk]), typed).status_code == 404


def test_edit_page_permission_matrix(company, login, make_customer):
    customer = make_customer(company.alice)
    url = reverse("customers:edit", args=[customer.pk])
    statuses = {name: login(user).get(url).status_code for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}


def test_edit_by_a_seller_keeps_hidden_phone_unless_replaced(company, login, make_customer):
    customer = make_customer(company.alice, "保密客户", phone="13812345678", email="boss@example.com")
    client = login(company.alice)
    page = client.get(reverse("customers:edit", args=[customer.pk])).content.decode()
    assert "13812345678" not in page and "boss@example.com" not in page
    assert 'placeholder="138****5678"' in page
    form = _form(customer, name="保密客户2")
    form.pop("owner")
    assert client.post(reverse("customers:edit", args=[customer.pk]), form).status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "13812345678" and customer.email == "boss@example.com"
    client.post(reverse("customers:edit", args=[customer.pk]), {**form, "version": "2", "phone": "13900001111"})
    customer.refresh_from_db()
    assert customer.phone == "13900001111"


def test_changing_the_owner_needs_the_transfer_right(company, login, make_customer):
    customer = make_customer(company.alice)
    alice_form = login(company.alice).get(reverse("customers:edit", args=[customer.pk])).context["form"]
    assert "owner" not in alice_form.fields
    # A posted owner is ignored when the form offers none.
    login(company.alice).post(reverse("customers:edit", args=[customer.pk]),
                              _form(customer, owner=str(company.bob.pk)))
    assert Customer.objects.get(pk=customer.pk).owner == company.alice
    login(company.carol).post(reverse("customers:edit", args=[customer.pk]),
                              _form(Customer.objects.get(pk=customer.pk), owner=str(company.bob.pk)))
    assert Customer.objects.get(pk=customer.pk).owner == company.bob


def test_delete_moves_the_customer_to_the_recycle_bin(company, login, make_customer):
    customer = make_customer(company.alice)
    client = login(company.alice)
    response = client.post(reverse("customers:delete", args=[customer.pk]))
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).deleted_at is not None
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404
    assert login(company.dave).post(reverse("customers:delete", args=[customer.pk])).status_code == 404


def test_delete_is_post_only(company, login, make_customer):
    customer = make_customer(company.alice)
    assert login(company.alice).get(reverse("customers:delete", args=[customer.pk])).status_code == 405
    assert Customer.objects.get(pk=customer.pk).deleted_at is None


# -- the customer page --


def test_customer_page_permission_matrix_and_404_for_missing(company, login, make_customer):
    customer = make_customer(company.alice)
    url = reverse("customers:detail", args=[customer.pk])
    assert_matrix(company, lambda user: login(user).get(url).status_code == 200, ALICE_RECORD_VISIBLE)
    assert login(company.dave).get(url).status_code == 404
    missing = login(company.root).get(reverse("customers:detail", args=[customer.pk + 999]))
    assert missing.status_code == 404
    assert "This page does not exist, or you cannot see it." in missing.content.decode()


def test_customer_page_timeline_shows_readable_field_changes(company, login, make_customer, custom_field):
    custom_field("area", "choice", label="大区", choices=["华东", "华南"])
    customer = make_customer(company.alice, "时间线客户", status="potential", custom={"area": "华东"})
    services.customer_update(actor=company.alice, customer=Customer.objects.get(pk=customer.pk),
                             data={"status": "won", "phone": "13812345678"}, custom={"area": "华南"})
    body = login(company.alice).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "changed this customer" in body
    assert "Status:</span> <del>Potential</del> → <ins>Won</ins>" in body
    assert "大区:</span> <del>华东</del> → <ins>华南</ins>" in body
    assert "<ins>138****5678</ins>" in body and "13812345678" not in body


def test_customer_page_shows_custom_fields_tags_and_owner(company, login, make_customer, custom_field):
    custom_field("vip", "boolean", label="贵宾")
    tag = Tag.objects.create(name="战略")
    customer = make_customer(company.alice, "详情客户", tags=[tag], custom={"vip": True})
    body = login(company.carol).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "贵宾" in body and "战略" in body and "王芳" in body


def test_team_members_can_be_added_with_access_and_removed(company, login, make_customer):
    customer = make_customer(company.alice)
    detail = reverse("customers:detail", args=[customer.pk])
    edit = reverse("customers:edit", args=[customer.pk])
    client = login(company.alice)
    client.post(reverse("customers:collaborator_add", args=[customer.pk]), {"user": company.bob.pk, "can_edit": "0"})
    assert login(company.bob).get(detail).status_code == 200
    assert login(company.bob).get(edit).status_code == 403
    login(company.alice).post(reverse("customers:collaborator_add", args=[customer.pk]),
                              {"user": company.bob.pk, "can_edit": "1"})
    assert login(company.bob).get(edit).status_code == 200
    login(company.alice).post(reverse("customers:collaborator_remove", args=[customer.pk, company.bob.pk]))
    assert login(company.bob).get(detail).status_code == 404


def test_team_cannot_be_changed_by_someone_out_of_scope(company, login, make_customer):
    customer = make_customer(company.alice)
    response = login(company.dave).post(reverse("customers:collaborator_add", args=[customer.pk]),
                                        {"user": company.dave.pk, "can_edit": "1"})
    assert response.status_code == 404
    assert login(company.dave).get(reverse("customers:detail", args=[customer.pk])).status_code == 404


# -- contacts on the customer page --


def test_contact_added_with_htmx_returns_the_contacts_block(company, login, make_customer):
    customer = make_customer(company.alice)
    response = login(company.alice).post(
        reverse("customers:contact_create", args=[customer.pk]),
        {"new-name": "欧阳锋", "new-mobile": "13900001111", "new-title": "总经理"},
        headers={"HX-Request": "true", "HX-Target": "contacts"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="contacts">')
    assert "欧阳锋" in body and "139****1111" in body
    assert Contact.objects.get().mobile_e164 == "+8613900001111"


def test_contact_with_bad_input_shows_errors_and_saves_nothing(company, login, make_customer):
    customer = make_customer(company.alice)
    url = reverse("customers:contact_create", args=[customer.pk])
    client = login(company.alice)
    htmx = client.post(url, {"new-name": "某人", "new-mobile": "12"},
                       headers={"HX-Request": "true", "HX-Target": "contacts"})
    assert htmx.status_code == 200 and "Enter a valid phone number" in htmx.content.decode()
    plain = client.post(url, {"new-name": "n" * 500, "new-email": "bad"})
    assert plain.status_code == 400
    assert "at most 100 characters" in plain.content.decode()
    assert not Contact.objects.exists()


def test_contact_without_js_redirects_back_to_the_customer(company, login, make_customer):
    customer = make_customer(company.alice)
    response = login(company.alice).post(reverse("customers:contact_create", args=[customer.pk]),
                                         {"new-name": "张三"})
    assert response["Location"] == reverse("customers:detail", args=[customer.pk]) + "#contacts"


def test_contact_inline_edit_and_delete(company, login, make_customer):
    customer = make_customer(company.alice)
    contact = services.contact_create(actor=SYSTEM, customer=customer, data={"name": "李四"})
    client = login(company.alice)
    headers = {"HX-Request": "true", "HX-Target": "contacts"}
    opened = client.get(reverse("customers:contacts", args=[customer.pk]), {"edit": contact.pk}, headers=headers)
    assert 'name="edit-name"' in opened.content.decode()
    saved = client.post(reverse("customers:contact_edit", args=[contact.pk]),
                        {"edit-name": "李四新", "edit-version": "1"}, headers=headers)
    assert "李四新" in saved.content.decode()
    assert Contact.objects.get(pk=contact.pk).name == "李四新"
    client.post(reverse("customers:contact_delete", args=[contact.pk]), headers=headers)
    assert Contact.objects.get(pk=contact.pk).deleted_at is not None


def test_contact_stale_edit_is_refused(company, login, make_customer):
    customer = make_customer(company.alice)
    contact = services.contact_create(actor=SYSTEM, customer=customer, data={"name": "王五"})
    services.contact_update(actor=SYSTEM, contact=contact, data={"title": "经理"})
    response = login(company.alice).post(reverse("customers:contact_edit", args=[contact.pk]),
                                         {"name": "王五五", "version": "1"})
    assert response.status_code == 400
    assert "Someone else changed this contact" in response.content.decode()
    assert Contact.objects.get(pk=contact.pk).name == "王五"


def test_contacts_of_out_of_scope_customers_are_not_found(company, login, make_customer):
    customer = make_customer(company.alice)
    contact = services.contact_create(actor=SYSTEM, customer=customer, data={"name": "赵六"})
    client = login(company.dave)
    assert client.get(reverse("customers:contact_edit", args=[contact.pk])).status_code == 404
    assert client.post(reverse("customers:contact_delete", args=[contact.pk])).status_code == 404
    assert client.post(reverse("customers:contact_create", args=[customer.pk]), {"new-name": "x"}).status_code == 404
    assert Contact.objects.get(pk=contact.pk).deleted_at is None
    assert Contact.objects.count() == 1


# -- the contact list --


def test_contact_list_matrix_search_and_masking(company, login, make_customer):
    customer = make_customer(company.alice)
    services.contact_create(actor=SYSTEM, customer=customer, data={"name": "张伟", "mobile": "13812345678"})
    url = reverse("customers:contact_list")
    assert_matrix(company, lambda user: "张伟" in login(user).get(url).content.decode(), ALICE_RECORD_VISIBLE)
    body = login(company.alice).get(url, {"q": "zw"}).content.decode()
    assert "张伟" in body and "138****5678" in body
    assert "张伟" not in login(company.alice).get(url, {"q": "李"}).content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_contact_list_query_count_does_not_grow(company, login, make_customer, django_assert_max_num_queries, rows):
    for i in range(rows):
        customer = make_customer(company.alice, f"客户{i}")
        services.contact_create(actor=SYSTEM, customer=customer, data={"name": f"联系人{i}"})
    client = login(company.alice)
    client.get(reverse("customers:contact_list"))
    with django_assert_max_num_queries(6):  # +1: the ids of the viewer's customer pools
        response = client.get(reverse("customers:contact_list"))
    assert len(response.context["rows"]) == rows


# -- the recycle bin --


def test_recycle_bin_matrix_restore_and_purge(company, login, make_customer):
    customer = make_customer(company.alice, "回收客户")
    services.customer_delete(actor=SYSTEM, customer=customer)
    url = reverse("customers:recycle_bin")
    statuses = {}
    for name, user in company.cast().items():
        response = login(user).get(url)
        listed = "回收客户" in response.content.decode()
        statuses[name] = listed if response.status_code == 200 else response.status_code
    assert statuses == {"alice": True, "bob": False, "carol": True, "dave": False, "erin": 403, "root": True}
    assert login(company.dave).post(reverse("customers:restore", args=[customer.pk])).status_code == 404
    assert login(company.carol).post(reverse("customers:purge", args=[customer.pk])).status_code == 403
    login(company.alice).post(reverse("customers:restore", args=[customer.pk]))
    assert Customer.objects.get(pk=customer.pk).deleted_at is None


def test_purge_asks_for_confirmation_then_deletes_for_good(company, login, make_customer):
    customer = make_customer(company.alice, "彻底删除")
    services.customer_delete(actor=SYSTEM, customer=customer)
    client = login(company.root)
    confirm = client.get(reverse("customers:purge", args=[customer.pk]))
    assert confirm.status_code == 200 and "Delete “彻底删除” for good?" in confirm.content.decode()
    assert Customer.objects.filter(pk=customer.pk).exists()
    client.post(reverse("customers:purge", args=[customer.pk]))
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert AuditEvent.objects.filter(action="customer.purged").exists()


def test_live_customers_cannot_be_purged_or_restored(company, login, make_customer):
    customer = make_customer(company.alice)
    client = login(company.root)
    assert client.post(reverse("customers:purge", args=[customer.pk])).status_code == 404
    assert client.post(reverse("customers:restore", args=[customer.pk])).status_code == 404
    assert Customer.objects.filter(pk=customer.pk, deleted_at__isnull=True).exists()


@pytest.mark.parametrize("rows", [5, 30])
def test_recycle_bin_query_count_does_not_grow(company, login, make_customer, django_assert_max_num_queries, rows):
    ids = [make_customer(company.alice, f"客户{i}").pk for i in range(rows)]
    services.customer_bulk_delete(actor=SYSTEM, ids=ids)
    client = login(company.carol)
    client.get(reverse("customers:recycle_bin"))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("customers:recycle_bin"))
    assert len(response.context["page"].items) == rows


# -- language --


def test_pages_speak_chinese_by_default(company, client, make_customer):
    customer = make_customer(company.alice, "中文客户", status="won")
    client.force_login(company.alice)
    body = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "新建客户" in body and "赢单" in body
    detail = client.get(reverse("customers:detail", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "联系人" in detail.content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_customer_page_query_count_does_not_grow(company, login, make_customer, custom_field,
                                                 django_assert_max_num_queries, rows):
    from guanxi.activities import services as activity_services

    custom_field("area", "choice", choices=["华东", "华南"])
    customer = make_customer(company.alice, custom={"area": "华东"})
    for i in range(rows):
        contact = services.contact_create(actor=SYSTEM, customer=customer, data={"name": f"联系人{i}"})
        activity_services.follow_up_create(actor=company.alice, customer=customer,
                                           data={"content": f"第{i}次", "contact": contact})
        services.customer_update(actor=SYSTEM, customer=Customer.objects.get(pk=customer.pk),
                                 data={"region": f"地区{i}"}, custom={"area": "华南" if i % 2 else "华东"})
    client = login(company.carol)
    url = reverse("customers:detail", args=[customer.pk])
    client.get(url)
    with django_assert_max_num_queries(20):  # +2: the viewer's pools, the pool history section
        response = client.get(url)
    assert f"第{rows - 1}次" in response.content.decode()


def test_new_contact_form_is_rendered_only_when_opened(login, company, make_customer):
    customer = make_customer(company.alice)
    client = login(company.alice)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'name="new-name"' not in page
    assert "?add=1" in page  # the button that fetches it
    opened = client.get(reverse("customers:contacts", args=[customer.pk]) + "?add=1",
                        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contacts").content.decode()
    assert 'name="new-name"' in opened
    without_js = client.get(reverse("customers:detail", args=[customer.pk]) + "?add_contact=1").content.decode()
    assert 'name="new-name"' in without_js


def test_readers_get_no_new_contact_form(login, company, make_customer):
    customer = make_customer(company.alice)
    services.customer_set_collaborator(actor=company.alice, customer=customer, user=company.bob, can_edit=False)
    client = login(company.bob)
    opened = client.get(reverse("customers:contacts", args=[customer.pk]) + "?add=1").content.decode()
    assert 'name="new-name"' not in opened
    assert "?add=1" not in opened
