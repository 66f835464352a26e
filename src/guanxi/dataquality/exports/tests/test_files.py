"""What the CSV and XLSX files hold: the list's filters, typed cells, the user's time zone, custom
fields, formula-safe text; every export audited; bad input refused with a clear 400; queries bounded."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from guanxi.core.models import AuditEvent, CustomFieldDefinition
from guanxi.customers.models import Customer

from .conftest import LISTS, api, body_of, keys, post_export, read_csv, read_file, read_xlsx

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _as_dict(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# -- the files --


def test_csv_is_utf8_with_a_byte_order_mark_and_named_for_the_list(login, company, make_customer):
    make_customer(company.alice, "杭州云栖科技有限公司")
    response = login(company.alice).post("/exports/customers/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert response["Cache-Control"] == "private, no-store"
    rows = read_csv(response)
    assert rows[0][:2] == ["ID", "Name"]
    assert rows[1][1] == "杭州云栖科技有限公司"


def test_xlsx_keeps_numbers_money_and_dates_as_typed_cells(company, make_record):
    make_record("opportunities", company.alice)
    response = post_export(api(company.alice), {"list": "opportunities", "format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(body_of(response))).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["Amount"].value == pytest.approx(120000.5)
    assert row["Amount"].data_type == "n"
    assert row["Amount"].number_format == "#,##0.00"
    assert row["Win probability %"].value == 10
    assert row["ID"].data_type == "n"
    assert row["Created"].is_date
    assert row["Created"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_times_are_written_in_the_users_time_zone(login, company, make_customer, fmt):
    # given: created at 16:30 UTC, which is 11:30 in New York and 00:30 the next day in Shanghai
    customer = make_customer(company.alice, "甲公司")
    Customer.objects.filter(pk=customer.pk).update(created_at=dt.datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    company.alice.time_zone = "America/New_York"
    company.alice.save(update_fields=["time_zone"])

    # when: through the page (the middleware sets the zone) and the API (a token: the export sets it)
    page = _as_dict(read_file(login(company.alice).post("/exports/customers/", {"format": fmt}), fmt))
    by_api = _as_dict(read_file(post_export(api(company.alice), {"list": "customers", "format": fmt}), fmt))
    manager = _as_dict(read_file(post_export(api(company.carol), {"list": "customers", "format": fmt}), fmt))

    # then
    expected = "2026-03-01 11:30" if fmt == "csv" else dt.datetime(2026, 3, 1, 11, 30)
    assert page[0]["Created"] == by_api[0]["Created"] == expected
    # carol has no zone of her own: the site's (Asia/Shanghai)
    assert manager[0]["Created"] == ("2026-03-02 00:30" if fmt == "csv" else dt.datetime(2026, 3, 2, 0, 30))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_custom_fields_become_columns_in_their_type(company, make_customer, fmt):
    # given
    for position, (key, label, kind, choices) in enumerate([
        ("budget", "预算", "number", []), ("visit", "拜访日期", "date", []), ("vip", "重点客户", "boolean", []),
        ("needs", "需求", "multi_choice", ["CRM", "ERP"]), ("retired", "停用字段", "text", []),
    ]):
        CustomFieldDefinition.objects.create(entity="customers.customer", key=key, label=label, kind=kind,
                                             choices=choices, position=position, is_active=key != "retired")
    make_customer(company.alice, "甲公司", custom={"budget": "1500000.5", "visit": "2026-04-01", "vip": True,
                                                    "needs": ["CRM", "ERP"]})

    # when
    rows = read_file(post_export(api(company.alice), {"list": "customers", "format": fmt}), fmt)

    # then: the active fields, after the list's own columns
    assert rows[0][-4:] == ["预算", "拜访日期", "重点客户", "需求"]
    if fmt == "csv":
        assert rows[1][-4:] == ["1500000.5", "2026-04-01", "Yes", "CRM, ERP"]
    else:
        assert rows[1][-4:] == [1500000.5, dt.datetime(2026, 4, 1), "Yes", "CRM, ERP"]


def test_text_a_spreadsheet_would_run_is_kept_as_text(company, make_customer):
    make_customer(company.alice, '=HYPERLINK("http://x","点我")', address="@SUM(A1)")
    csv_row = _as_dict(read_file(post_export(api(company.alice), {"list": "customers", "format": "csv"}), "csv"))[0]
    assert csv_row["Name"] == '\'=HYPERLINK("http://x","点我")'
    assert csv_row["Address"] == "'@SUM(A1)"
    response = post_export(api(company.alice), {"list": "customers", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(body_of(response))).active
    header = [c.value for c in sheet[1]]
    name = sheet.cell(row=2, column=header.index("Name") + 1)
    # XLSX has a text cell type: the exact text, never a formula.
    assert (name.value, name.data_type) == ('=HYPERLINK("http://x","点我")', "s")


def test_control_characters_excel_refuses_are_dropped(company, make_customer):
    make_customer(company.alice, "甲\x07公司")
    rows = read_xlsx(post_export(api(company.alice), {"list": "customers", "format": "xlsx"}))
    assert rows[1][1] == "甲公司"


# -- the list's filters --


def test_the_customer_list_filters_apply(login, company, make_customer):
    make_customer(company.alice, "甲公司", grade="A")
    make_customer(company.alice, "乙公司", grade="C")
    page = read_csv(login(company.alice).post("/exports/customers/?grade=A&cursor=abc", {"format": "csv"}))
    by_api = read_csv(post_export(api(company.alice), {"list": "customers", "filters": {"grade": "A"}}))
    assert [r[1] for r in page[1:]] == [r[1] for r in by_api[1:]] == ["甲公司"]


def test_the_lead_pool_button_exports_the_pool(login, company, make_record):
    from guanxi.core.system import SYSTEM
    from guanxi.sales.leads import services

    mine = make_record("leads", company.alice)
    pooled = services.lead_create(actor=SYSTEM, data={"name": "池中线索", "company": "丙公司", "owner": None},
                                  confirmed=True)
    everything = keys(read_csv(login(company.alice).post("/exports/leads/", {"format": "csv"})))
    pool = keys(read_csv(login(company.alice).post("/exports/leads/?scope=pool", {"format": "csv"})))
    assert everything == {mine, str(pooled.pk)}
    assert pool == {str(pooled.pk)}


@pytest.mark.parametrize(("name", "filters"), [
    ("follow_ups", {"kind": "visit"}),
    ("products", {"status": "inactive"}),
    ("contracts", {"q": "乙"}),
    ("quotes", {"owner": "bob"}),
    ("opportunities", {"owner": "bob"}),
    ("receivables", {"owner": "bob"}),
])
def test_filters_of_other_lists_apply(company, make_record, name, filters):
    from guanxi.activities.models import FollowUp
    from guanxi.sales.products.models import Product

    # given: two records, the second one matching the filter
    make_record(name, company.alice, "甲")
    second = make_record(name, company.bob, "乙")
    if name == "follow_ups":
        FollowUp.objects.filter(pk=second).update(kind="visit")
    if name == "products":
        Product.objects.filter(pk=second).update(is_active=False)
    filters = {k: company.bob.pk if v == "bob" else v for k, v in filters.items()}

    # when: carol, who sees both
    found = keys(read_csv(post_export(api(company.carol), {"list": name, "format": "csv", "filters": filters})))

    # then
    assert found == {second}


def test_payments_filter_by_date_and_keep_reversed_ones_unless_asked(company, make_record):
    payment = make_record("payments", company.alice)
    today = dt.date.today().isoformat()
    kept = keys(read_csv(post_export(api(company.alice), {"list": "payments", "filters": {
        "received_from": today, "include_reversed": False}})))
    none = keys(read_csv(post_export(api(company.alice), {"list": "payments", "filters": {
        "received_from": "2200-01-01"}})))
    assert kept == {payment}
    assert none == set()


# -- audit --


def test_every_export_is_audited_with_list_filters_format_and_rows(login, company, make_customer):
    make_customer(company.alice, "甲公司", grade="A")
    make_customer(company.alice, "乙公司", grade="A")
    login(company.alice).post("/exports/customers/?grade=A&cursor=x", {"format": "xlsx"})
    post_export(api(company.alice), {"list": "leads", "format": "csv", "filters": {"status": "new"}})
    events = list(AuditEvent.objects.filter(action__endswith=".exported").order_by("id"))
    assert [(e.action, e.actor, e.extra) for e in events] == [
        ("customer.exported", company.alice, {"list": "customers", "filters": "grade=A", "format": "xlsx",
                                              "rows": 2}),
        ("lead.exported", company.alice, {"list": "leads", "filters": "status=new", "format": "csv", "rows": 0}),
    ]


# -- bad input --


def test_an_unknown_list_or_format_is_a_clear_400(login, company):
    unknown_list = post_export(api(company.alice), {"list": "salaries", "format": "csv"})
    unknown_format = post_export(api(company.alice), {"list": "customers", "format": "pdf"})
    page_format = login(company.alice).post("/exports/customers/", {"format": "pdf"})
    page_list = login(company.alice).post("/exports/salaries/", {"format": "csv"})
    assert unknown_list.status_code == 400
    assert unknown_list.json()["code"] == "unknown_list"
    assert unknown_format.status_code == 400
    assert unknown_format.json() == {"code": "unknown_format", "message": "Choose CSV or Excel (xlsx) as the format.",
                                     "errors": {"format": ["Choose CSV or Excel (xlsx) as the format."]}}
    assert page_format.status_code == 400
    assert b"Choose CSV or Excel (xlsx) as the format." in page_format.content
    assert page_list.status_code == 404
    assert not AuditEvent.objects.filter(action__endswith=".exported").exists()


@pytest.mark.parametrize(("name", "filters", "field"), [
    ("customers", {"grade": "Z"}, "grade"),
    ("customers", {"cf_nothing": "1"}, "cf_nothing"),
    ("leads", {"owner": "abc"}, "owner"),
    ("opportunities", {"close_month": "2026-13"}, "close_month"),
    ("quotes", {"customer": "-1"}, "customer"),
    ("contracts", {"ending_within": 99999}, "ending_within"),
    ("receivables", {"owner": "x"}, "owner"),
    ("payments", {"received_from": "yesterday"}, "received_from"),
    ("products", {"status": "sold"}, "status"),
    ("follow_ups", {"kind": "dance", "author": "x"}, "kind"),
])
def test_an_invalid_filter_is_a_clear_400_naming_the_filter(login, company, name, filters, field):
    response = post_export(api(company.alice), {"list": name, "format": "xlsx", "filters": filters})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"
    assert field in response.json()["errors"]
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    page = login(company.alice).post(f"/exports/{name}/?{query}", {"format": "csv"})
    assert page.status_code == 400
    assert b"Some filters are not valid." in page.content
    assert not AuditEvent.objects.filter(action__endswith=".exported").exists()


def test_the_page_names_a_refused_filter_by_its_label(login, company):
    page = login(company.alice).post("/exports/customers/?not_contacted_days=many", {"format": "csv"})
    assert page.status_code == 400
    assert "Not contacted for (days): This value is not valid." in page.content.decode()


@pytest.mark.parametrize("body", [
    {"list": "customers", "format": "csv", "filters": {"q": {"nested": 1}}},
    {"list": "customers", "format": "csv", "filters": {"q": "x" * 201}},
    {"list": "customers", "format": "csv", "filters": {f"k{i}": "1" for i in range(41)}},
    {"list": "customers", "format": "csv", "extra": 1},
    {"list": "customers" * 10},
    {"format": "csv"},
    {"list": "customers", "filters": {"q": "a\x00b"}},
])
def test_malformed_bodies_are_refused_before_anything_runs(company, body):
    response = post_export(api(company.alice), body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_a_body_that_is_not_json_is_a_400(company):
    response = post_export(api(company.alice), b"{list: customers")
    assert response.status_code == 400


def test_the_page_only_takes_a_post(login, company):
    assert login(company.alice).get("/exports/customers/").status_code == 405


# -- queries --


@pytest.mark.parametrize("name", LISTS)
def test_an_export_of_120_rows_costs_a_bounded_number_of_queries(company, make_record, django_assert_max_num_queries,
                                                                 name):
    # given: a custom field, so its definitions are read too
    CustomFieldDefinition.objects.create(entity="customers.customer", key="budget", label="预算", kind="number")
    for i in range(120):
        make_record(name, company.carol if name == "products" else company.alice, f"{i}号")
    client = api(company.carol)
    for fmt in ("csv", "xlsx"):
        # when / then: token, user, roles, count, custom fields, the chunk and its prefetches, audit
        with django_assert_max_num_queries(11):
            response = post_export(client, {"list": name, "format": fmt})
            rows = read_file(response, fmt)
        assert len(rows) == 121


def test_money_is_written_to_the_cent(company, make_record):
    from guanxi.sales.products.models import Product

    key = make_record("products", company.alice)
    Product.objects.filter(pk=key).update(list_price=Decimal("0.10"))
    rows = read_csv(post_export(api(company.alice), {"list": "products"}))
    assert _as_dict(rows)[0]["List price"] == "0.10"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_headers_and_choices_follow_the_users_language(login, company, make_customer, fmt):
    make_customer(company.alice, "甲公司")
    client = login(company.alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    rows = read_file(client.post("/exports/customers/", {"format": fmt}), fmt)
    assert rows[0][1] == "名称"
    assert rows[0][9] == "电话"
    assert rows[1][5] == "潜在"
