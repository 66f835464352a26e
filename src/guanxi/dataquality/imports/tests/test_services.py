"""Imports end to end: upload, mapping, duplicates, the run, the report and the file of failed rows."""

import csv
import datetime as dt
import io
import threading

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from openpyxl import load_workbook

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent, CustomFieldDefinition
from guanxi.core.system import SYSTEM
from guanxi.customers.models import Contact, Customer
from guanxi.customers.search import customer_search
from guanxi.dataquality.imports import errors, selectors, services
from guanxi.dataquality.imports.choices import ImportStatus
from guanxi.dataquality.imports.models import ImportedRow, MappingTemplate
from guanxi.dataquality.models import MatchKey
from guanxi.sales.leads.models import Lead

from .conftest import upload_of

pytestmark = pytest.mark.django_db

TENGYUAN = "深圳市腾远电子科技有限公司"


def csv_upload(name: str, rows: list[list[str]], encoding: str = "utf-8-sig"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return upload_of(name, text.getvalue().encode(encoding))


# -- customers --


def test_customers_from_a_utf8_csv(importers, run_import):
    # when
    done = run_import(importers.carol, "customers", "customers_utf8_bom.csv")
    # then
    assert done.status == ImportStatus.DONE
    assert (done.created, done.updated, done.skipped, done.failed) == (3, 0, 0, 1)
    tengyuan = Customer.objects.get(name=TENGYUAN)
    assert (tengyuan.owner, tengyuan.department) == (importers.alice, importers.sales1)
    assert (tengyuan.phone_e164, tengyuan.email, tengyuan.grade, tengyuan.status, tengyuan.industry) == (
        "+8675586123456", "info@tengyuan.cn", "A", "intent", "it")
    yunqi = Customer.objects.get(name="杭州云栖数据有限公司")
    assert (yunqi.owner, yunqi.grade, yunqi.status) == (importers.carol, "B", "potential")
    assert [f["row"] for f in done.failures] == [5]
    reason = done.failures[0]["reason"]
    assert "Grade: “Z” is not one of the choices" in reason
    assert "Phone: Enter a valid phone number" in reason and "Email: Enter a valid email address." in reason


def test_html_and_sql_in_cells_are_kept_as_plain_text(importers, run_import):
    run_import(importers.carol, "customers", "customers_utf8_bom.csv")
    odd = Customer.objects.get(name="<script>alert(1)</script>")
    assert odd.notes == "'; DROP TABLE customers_customer; --"
    assert Customer.objects.count() == 3


def test_imported_customers_are_searchable_keyed_and_audited(importers, run_import):
    done = run_import(importers.carol, "customers", "customers_utf8_bom.csv")
    tengyuan = Customer.objects.get(name=TENGYUAN)
    found = Customer.objects.visible_to(importers.carol)
    for query in ("腾远", "tengyuan", "szs", "0755 8612 3456", "INFO@tengyuan.cn"):
        assert list(customer_search(found, query)) == [tengyuan], query
    assert MatchKey.objects.filter(object_id=tengyuan.pk, value="腾远电子科技").exists()
    event = AuditEvent.objects.get(action="customer.created", object_id=str(tengyuan.pk))
    assert event.actor == importers.carol
    assert event.extra["import"]["import"] == done.pk
    assert event.changes["phone"] == [None, "0755-86123456"]
    assert AuditEvent.objects.filter(action="import.finished", object_id=str(done.pk)).exists()


def test_gbk_csv_with_other_column_names(importers, run_import):
    done = run_import(importers.alice, "customers", "customers_gbk.csv")
    assert done.mapping == ["name", "phone", "email", "industry", "source"]
    assert done.created == 2
    wuhan = Customer.objects.get(name="武汉光谷生物医药有限公司")
    assert (wuhan.industry, wuhan.source, wuhan.owner) == ("healthcare", "exhibition", importers.alice)


def test_english_column_names(importers, run_import):
    done = run_import(importers.alice, "customers", "customers_english.csv")
    assert done.mapping == ["name", "phone", "email", "grade", "industry", "notes"]
    acme = Customer.objects.get()
    assert (acme.phone_e164, acme.grade, acme.industry, acme.notes) == ("+8675523456789", "B", "retail",
                                                                        "met at fair")


def test_xlsx_with_merged_headers_formulas_serial_dates_and_custom_fields(importers, run_import):
    CustomFieldDefinition.objects.create(entity="customers.customer", key="budget", label="预算（万元）",
                                         kind="number")
    done = run_import(importers.alice, "customers", "customers_merged.xlsx")
    assert done.mapping == ["name", "phone", "email", "grade", "next_follow_up_at", "custom.budget", "website"]
    assert (done.created, done.failed) == (2, 1)
    mingde = Customer.objects.get(name="上海明德教育科技有限公司")
    assert mingde.custom == {"budget": "50"}
    assert mingde.website == "https://mingde.cn"
    assert mingde.next_follow_up_at.astimezone(dt.UTC).date() in (dt.date(2026, 1, 14), dt.date(2026, 1, 15))
    chengdu = Customer.objects.get(name="成都天府物流有限公司")
    assert chengdu.phone_e164 == "+8613912345678"
    local = chengdu.next_follow_up_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (local.date(), local.hour) == (dt.date(2026, 1, 18), 12)
    assert done.failures == [{"row": 8, "reason": "预算（万元）: Enter a number."}]


def test_importing_the_same_file_twice_creates_nothing_twice(importers, run_import):
    first = run_import(importers.carol, "customers", "customers_utf8_bom.csv")
    second = run_import(importers.carol, "customers", "customers_utf8_bom.csv", mode="create")
    assert first.created == 3
    assert (second.created, second.skipped, second.failed) == (0, 3, 1)
    assert second.skip_reasons == {"imported_before": 3}
    assert Customer.objects.count() == 3
    assert ImportedRow.objects.count() == 3
    assert selectors.earlier_imports(actor=importers.carol, data_import=second) == [first]


def test_a_deleted_record_is_imported_again(importers, run_import):
    from guanxi.customers.services import customer_delete

    run_import(importers.carol, "customers", "customers_english.csv")
    customer_delete(actor=importers.carol, customer=Customer.objects.get())
    again = run_import(importers.carol, "customers", "customers_english.csv")
    assert again.created == 1
    assert Customer.objects.alive().count() == 1


def test_rows_matching_existing_customers_are_skipped_showing_only_what_the_actor_may_see(
        importers, run_import, make_customer):
    make_customer(importers.dave, "腾远电子科技（深圳）有限公司")
    mine = make_customer(importers.alice, "杭州云栖数据有限公司")
    done = run_import(importers.alice, "customers", "customers_utf8_bom.csv")
    assert (done.created, done.skipped) == (1, 2)
    assert done.skip_reasons == {"duplicate": 2}
    data_import = services.import_upload(actor=importers.alice, entity="customers",
                                         upload=upload_of("customers_utf8_bom.csv"))
    with translation.override("en"):
        preview = selectors.import_preview(actor=importers.alice, data_import=data_import)
    reasons = {row.number: row.reason for row in preview.rows}
    assert reasons[2] == ("Matches a record already in the CRM: Customer: Already followed by 赵磊 (销售二部) — "
                          "same company name")
    assert "腾远电子科技（深圳）" not in reasons[2]
    assert reasons[3] == ("Matches a record already in the CRM: Customer: 杭州云栖数据有限公司, owner 王芳 — "
                          "same company name")
    assert mine.phone == ""


def test_update_mode_updates_what_the_actor_may_edit_only(importers, run_import, make_customer):
    daves = make_customer(importers.dave, TENGYUAN)
    mine = make_customer(importers.alice, "杭州云栖数据有限公司", grade="D", notes="keep me")
    done = run_import(importers.alice, "customers", "customers_utf8_bom.csv", mode="update")
    assert (done.created, done.updated, done.skipped, done.failed) == (1, 1, 1, 1)
    assert done.skip_reasons == {"not_editable": 1}
    mine.refresh_from_db()
    # Filled cells change the record; blank ones leave it; the owner stays.
    assert (mine.grade, mine.phone_e164, mine.notes, mine.owner, mine.version) == (
        "B", "+8613812345678", "keep me", importers.alice, 2)
    event = AuditEvent.objects.get(action="customer.updated", object_id=str(mine.pk))
    assert event.changes["grade"] == ["D", "B"]
    daves.refresh_from_db()
    assert daves.version == 1 and daves.email == ""


def test_update_mode_without_changes_counts_the_row_as_up_to_date(importers, run_import, make_customer):
    make_customer(importers.alice, "Acme Trading (Shenzhen) Co., Ltd.", phone="+86 755 2345 6789",
                  email="hello@acme.cn", grade="B", industry="retail", notes="met at fair")
    done = run_import(importers.alice, "customers", "customers_english.csv", mode="update")
    assert (done.updated, done.skipped) == (0, 1)
    assert done.skip_reasons == {"unchanged": 1}


def test_create_mode_creates_despite_matches(importers, run_import, make_customer):
    make_customer(importers.dave, TENGYUAN)
    done = run_import(importers.alice, "customers", "customers_utf8_bom.csv", mode="create")
    assert done.created == 3
    assert Customer.objects.filter(name=TENGYUAN).count() == 2


def test_rows_repeated_within_the_file(importers, run_import):
    upload = csv_upload("repeated.csv", [
        ["客户名称", "电话"],
        ["深圳市腾远电子科技有限公司", "0755-86123456"],
        ["腾远电子科技（深圳）有限公司", ""],
        ["华信精密", "0755 8612 3456"],
        ["深圳市腾远电子科技有限公司", "0755-86123456"],
    ])
    done = run_import(importers.alice, "customers", upload)
    assert (done.created, done.skipped) == (1, 3)
    assert done.skip_reasons == {"in_file": 3}
    assert Customer.objects.get().name == TENGYUAN


def test_owner_out_of_the_actors_reach_is_a_row_error(importers, run_import):
    upload = csv_upload("owners.csv", [["名称", "负责人"], ["甲公司", "赵磊"], ["乙公司", "王芳"],
                                       ["丙公司", "nobody"]])
    done = run_import(importers.alice, "customers", upload)
    assert (done.created, done.failed) == (1, 2)
    assert Customer.objects.get().owner == importers.alice
    assert done.failures[0] == {"row": 2, "reason": "Owner: “赵磊” is not a user you may give records to."}
    managed = run_import(importers.carol, "customers",
                         csv_upload("owners2.csv", [["名称", "负责人"], ["丁公司", "bob"]]))
    assert managed.created == 1 and Customer.objects.get(name="丁公司").owner == importers.bob


def test_a_huge_cell_is_a_row_error_and_good_rows_still_go_in(importers, run_import):
    upload = csv_upload("huge.csv", [["名称", "备注"], ["甲公司", "长" * 20_000], ["乙公司", "ok"]])
    done = run_import(importers.alice, "customers", upload)
    assert (done.created, done.failed) == (1, 1)
    assert "at most 10000 characters" in done.failures[0]["reason"]


def test_required_columns_must_be_mapped(importers):
    data_import = services.import_upload(actor=importers.alice, entity="customers",
                                         upload=upload_of("customers_gbk.csv"))
    with pytest.raises(DomainError) as refused:
        services.import_set_mapping(actor=importers.alice, data_import=data_import,
                                    columns=["", "phone", "email", "industry", "source"])
    assert refused.value.code == errors.INVALID_MAPPING
    assert "Choose a column for" in refused.value.errors["mapping"][0]
    with pytest.raises(DomainError) as twice:
        services.import_set_mapping(actor=importers.alice, data_import=data_import,
                                    columns=["name", "phone", "phone", "industry", "nonsense"])
    assert set(twice.value.errors) == {"mapping.2", "mapping.4"}


def test_templates_map_the_next_file_the_same_way(importers):
    first = services.import_upload(actor=importers.alice, entity="customers", upload=upload_of("customers_gbk.csv"))
    services.import_set_mapping(actor=importers.alice, data_import=first,
                                columns=["name", "phone", "", "region", "notes"], template_name="展会名单")
    assert MappingTemplate.objects.get().name == "展会名单"
    second = services.import_upload(actor=importers.alice, entity="customers", upload=upload_of("customers_gbk.csv"))
    assert second.mapping == ["name", "phone", "", "region", "notes"]
    # Another user's templates are theirs alone.
    other = services.import_upload(actor=importers.bob, entity="customers", upload=upload_of("customers_gbk.csv"))
    assert other.mapping == ["name", "phone", "email", "industry", "source"]


def test_files_over_10_mb_are_imported(importers, run_import):
    note = "这是一段很长的备注，" * 340  # about 10 KB of UTF-8 per row
    rows = [["客户名称", "电话", "备注"]]
    rows += [[f"大文件测试{i:05d}有限公司", f"1380013{i:04d}", note] for i in range(1100)]
    upload = csv_upload("big.csv", rows)
    assert upload.size > 10 * 1024 * 1024
    done = run_import(importers.alice, "customers", upload)
    assert (done.total_rows, done.created, done.failed) == (1100, 1100, 0)
    assert Customer.objects.count() == 1100
    # Written in chunks whose search rows go in together (on SQLite): every one is found by name.
    visible = Customer.objects.visible_to(importers.alice)
    assert [c.name for c in customer_search(visible, "大文件测试01042")] == ["大文件测试01042有限公司"]
    assert customer_search(visible, "dwjcs").count() == 1100


def test_files_over_the_limit_are_refused(importers, settings):
    settings.IMPORT_MAX_MB = 1
    upload = upload_of("big.csv", b"a,b\n" + b"x,y\n" * 300_000)
    with pytest.raises(DomainError) as refused:
        services.import_upload(actor=importers.alice, entity="customers", upload=upload)
    assert refused.value.code == errors.TOO_LARGE and "larger than 1 MB" in str(refused.value.message)
    assert not any((settings.MEDIA_ROOT / "imports").glob("*/*"))


def test_a_file_with_no_rows_is_refused_and_not_kept(importers):
    with pytest.raises(DomainError) as refused:
        services.import_upload(actor=importers.alice, entity="customers",
                               upload=upload_of("h.csv", "名称,电话\n".encode()))
    assert refused.value.code == errors.NO_ROWS
    assert not any((settings.MEDIA_ROOT / "imports").glob("*/*"))


def test_failed_rows_download_in_the_source_columns_and_import_again(importers, run_import):
    done = run_import(importers.carol, "customers", "customers_utf8_bom.csv")
    files = services.failed_files(done)
    sheet = load_workbook(files["xlsx"]).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["客户名称", "电话", "邮箱", "客户等级", "状态", "行业", "地区", "负责人", "备注", "Source row",
                       "Reason"]
    assert rows[1][:4] == ["北京华信精密机械有限公司", "12345", "not-an-email", "Z"] and rows[1][9] == 5
    with files["csv"].open(encoding="utf-8-sig") as f:
        csv_rows = list(csv.reader(f))
    assert csv_rows[0] == rows[0] and csv_rows[1][0] == "北京华信精密机械有限公司"
    # corrected and imported again: the added columns map to nothing
    corrected = [rows[0], ["北京华信精密机械有限公司", "010-88886666", "bj@huaxin.cn", "C", "", "", "北京", "", "", "5",
                           "…"]]
    again = run_import(importers.carol, "customers", csv_upload("fixed.csv", corrected))
    assert again.mapping[-2:] == ["", ""]
    assert (again.created, again.failed) == (1, 0)


# -- contacts --


def test_contacts_name_a_customer_the_actor_may_edit(importers, run_import, make_customer):
    tengyuan = make_customer(importers.alice, TENGYUAN)
    done = run_import(importers.alice, "contacts", "contacts_merged.xlsx")
    assert done.mapping == ["customer", "name", "title", "mobile", "email", "birthday", "is_decision_maker"]
    assert (done.created, done.failed) == (2, 1)
    zhang = Contact.objects.get(name="张伟")
    assert (zhang.customer, zhang.mobile_e164, zhang.birthday, zhang.is_decision_maker) == (
        tengyuan, "+8613800138000", dt.date(1981, 1, 1), True)
    assert Contact.objects.get(name="李娜").customer == tengyuan
    assert done.failures == [{"row": 4, "reason": "Customer: No customer you can edit is called “不存在的公司”."}]
    tengyuan.refresh_from_db()
    assert "张 伟" in tengyuan.search_document and "李 娜" in tengyuan.search_document
    assert list(customer_search(Customer.objects.visible_to(importers.alice), "张伟")) == [tengyuan]
    event = AuditEvent.objects.get(action="contact.created", object_id=str(zhang.pk))
    assert event.timeline_key == f"customers.customer:{tengyuan.pk}"


def test_contacts_of_someone_elses_customer_fail(importers, run_import, make_customer):
    make_customer(importers.dave, TENGYUAN)
    done = run_import(importers.alice, "contacts", "contacts_merged.xlsx")
    assert (done.created, done.failed) == (0, 3)
    assert Contact.objects.count() == 0
    assert "No customer you can edit" in done.failures[0]["reason"]


def test_contacts_already_there_are_skipped_or_updated(importers, run_import, make_customer):
    from guanxi.customers.services import contact_create

    tengyuan = make_customer(importers.alice, TENGYUAN)
    zhang = contact_create(actor=SYSTEM, customer=tengyuan, data={"name": "张伟", "mobile": "13800138000"})
    done = run_import(importers.alice, "contacts", "contacts_merged.xlsx", mode="update")
    assert (done.created, done.updated, done.failed) == (1, 1, 1)
    zhang.refresh_from_db()
    assert (zhang.title, zhang.email, zhang.version) == ("总经理", "zhangwei@tengyuan.cn", 2)


# -- leads --


def test_leads_from_an_xls_workbook(importers, run_import):
    done = run_import(importers.alice, "leads", "leads.xls")
    assert done.mapping == ["name", "company", "phone", "email", "source", "status"]
    assert (done.created, done.failed) == (2, 1)
    chen = Lead.objects.get(name="陈静")
    assert (chen.owner, chen.source, chen.status, chen.phone_e164, chen.name_key) == (
        importers.alice, "exhibition", "new", "+8613611112222", "紫金软件")
    assert Lead.objects.get(name="刘洋").status == "contacting"
    assert "Phone: Enter a valid phone number" in done.failures[0]["reason"]
    assert AuditEvent.objects.filter(action="lead.created", content_type=ContentType.objects.get_for_model(Lead)
                                     ).count() == 2


def test_lead_duplicates_and_converted_status(importers, run_import):
    from guanxi.sales.leads.services import lead_create

    lead_create(actor=importers.dave, data={"name": "某人", "company": "南京紫金软件有限公司", "owner": importers.dave})
    upload = csv_upload("leads.csv", [["姓名", "公司", "状态"], ["陈静", "紫金软件（南京）有限公司", ""],
                                      ["王五", "新公司", "已转化"]])
    done = run_import(importers.alice, "leads", upload)
    assert (done.created, done.skipped, done.failed) == (0, 1, 1)
    assert "is not one of the choices" in done.failures[0]["reason"]


def test_sellers_may_not_give_leads_to_others(importers, run_import):
    upload = csv_upload("leads.csv", [["姓名", "负责人"], ["陈静", "bob"], ["李四", "alice"]])
    done = run_import(importers.alice, "leads", upload)
    assert (done.created, done.failed) == (1, 1)
    assert "Owner:" in done.failures[0]["reason"]


# -- permissions and the run --


def test_who_may_import(importers):
    upload = upload_of("customers_gbk.csv")
    with pytest.raises(Forbidden):
        services.import_upload(actor=importers.erin, entity="customers", upload=upload)
    importers.seller_role.actions = [a for a in importers.seller_role.actions if a != "customers.create"]
    importers.seller_role.save()
    from guanxi.org.models import User

    with pytest.raises(Forbidden):
        services.import_upload(actor=User.objects.get(username="alice"), entity="customers", upload=upload)
    with pytest.raises(DomainError):
        services.import_upload(actor=importers.carol, entity="opportunities", upload=upload)


def test_only_the_uploader_changes_or_runs_an_import(importers):
    data_import = services.import_upload(actor=importers.alice, entity="customers",
                                         upload=upload_of("customers_gbk.csv"))
    for actor in (importers.bob, importers.carol):
        with pytest.raises(NotFound):
            services.import_start(actor=actor, data_import=data_import)
        with pytest.raises(NotFound):
            selectors.import_get(actor=actor, id=data_import.pk)
    assert selectors.import_get(actor=importers.root, id=data_import.pk) == data_import


def test_an_import_runs_once(importers, django_capture_on_commit_callbacks):
    data_import = services.import_upload(actor=importers.alice, entity="customers",
                                         upload=upload_of("customers_gbk.csv"))
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(actor=importers.alice, data_import=data_import)
    with pytest.raises(DomainError) as again:
        services.import_start(actor=importers.alice, data_import=data_import)
    assert again.value.code == errors.NOT_DRAFT
    assert Customer.objects.count() == 2


def test_an_interrupted_run_carries_on_after_the_last_chunk_it_wrote(importers, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    from guanxi.core.jobs import execute_job
    from guanxi.core.models import Job
    from guanxi.dataquality.imports import running

    monkeypatch.setattr(running, "CHUNK", 2)
    rows = [["客户名称"]] + [[f"公司{i}"] for i in range(5)]
    data_import = services.import_upload(actor=importers.alice, entity="customers", upload=csv_upload("r.csv", rows))
    calls = {"n": 0}
    real_write = running.Runner.write

    def crash_on_second_chunk(self, chunk):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker lost")
        return real_write(self, chunk)

    monkeypatch.setattr(running.Runner, "write", crash_on_second_chunk)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(actor=importers.alice, data_import=data_import)
    data_import.refresh_from_db()
    # The first chunk is in; the job waits for its retry.
    assert (data_import.rows_done, data_import.created) == (2, 2)
    assert data_import.job_id is not None
    assert Job.objects.get(pk=data_import.job_id).status == "queued"
    execute_job(data_import.job_id)
    data_import.refresh_from_db()
    assert (data_import.status, data_import.created, data_import.skipped) == (ImportStatus.DONE, 5, 0)
    assert Customer.objects.count() == 5
    assert Job.objects.get(pk=data_import.job_id).status == "done"


def test_big_files_are_read_in_a_worker_process(importers, run_import, monkeypatch, caplog):
    from guanxi.dataquality.imports import running

    monkeypatch.setattr(running, "PARALLEL_FROM", 1)
    monkeypatch.setattr(running, "CHUNK", 2)
    prepared_here = []
    real_prepare = running.Preparer.prepare

    def prepare_here(self, rows):
        prepared_here.append(rows)
        return real_prepare(self, rows)

    monkeypatch.setattr(running.Preparer, "prepare", prepare_here)
    done = run_import(importers.carol, "customers", "customers_utf8_bom.csv")
    assert prepared_here == [] and "worker process failed" not in caplog.text
    assert (done.created, done.failed) == (3, 1)
    assert "Grade: “Z” is not one of the choices" in done.failures[0]["reason"]
    assert Customer.objects.get(name=TENGYUAN).owner == importers.alice


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_thread_saves_each_chunk_while_the_next_is_checked(importers, run_import, monkeypatch):
    from django.db import connection

    from guanxi.dataquality.imports import running

    if connection.vendor != "postgresql":
        pytest.skip("the writer thread runs on PostgreSQL only; SQLite saves in the importing thread")
    monkeypatch.setattr(running, "PARALLEL_FROM", 1)
    monkeypatch.setattr(running, "CHUNK", 2)
    saved_by = []
    real_write = running.Runner.write

    def write(self, rows):
        saved_by.append(threading.current_thread().name)
        return real_write(self, rows)

    monkeypatch.setattr(running.Runner, "write", write)
    rows = [
        ["客户名称", "电话", "客户等级"],
        [TENGYUAN, "0755-86123456", "A"],
        ["杭州云栖数据有限公司", "13812345678", "B"],
        ["北京华信精密机械有限公司", "12345", "Z"],
        ["腾远电子（深圳）", "0755 8612 3456", "C"],
        ["杭州云栖数据有限公司", "13812345678", "B"],
    ]
    done = run_import(importers.carol, "customers", csv_upload("threaded.csv", rows))
    assert saved_by and all(name.startswith("import-writer") for name in saved_by)
    # The same outcome as saving in one thread: rows of earlier chunks are recognised as the file's own.
    assert (done.rows_done, done.created, done.skipped, done.failed) == (5, 2, 2, 1)
    assert done.skip_reasons == {"in_file": 2}
    assert "Grade: “Z” is not one of the choices" in done.failures[0]["reason"]
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted([TENGYUAN, "杭州云栖数据有限公司"])
    assert ImportedRow.objects.filter(data_import=done).count() == 2
