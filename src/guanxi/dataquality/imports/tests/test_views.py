"""The import pages: who may open them, the upload → mapping → preview → run → report path, failed rows."""

import pytest
from django.urls import reverse

from guanxi.core.testing import assert_matrix
from guanxi.customers.models import Customer
from guanxi.dataquality.imports import services
from guanxi.dataquality.imports.choices import ImportStatus
from guanxi.dataquality.imports.models import Import, MappingTemplate

from .conftest import upload_of

pytestmark = pytest.mark.django_db

# Sellers and managers hold dataquality.import in these tests (see the importers fixture); erin has no role.
MAY_IMPORT = {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True}


def test_who_may_open_the_import_pages(importers, login):
    def opens(path):
        return lambda user: login(user).get(path).status_code == 200

    assert_matrix(importers, opens(reverse("imports:list")), MAY_IMPORT)
    assert_matrix(importers, opens(reverse("imports:new")), MAY_IMPORT)


def test_without_the_import_right_the_pages_answer_403(company, login):
    # The base company: sellers have no dataquality.import.
    client = login(company.alice)
    assert client.get(reverse("imports:list")).status_code == 403
    response = client.post(reverse("imports:new"), {"entity": "customers", "file": upload_of("customers_gbk.csv")})
    assert response.status_code == 403
    assert not Import.objects.exists()


def test_an_import_is_seen_by_its_uploader_and_admins_only(importers, login):
    data_import = services.import_upload(actor=importers.alice, entity="customers",
                                         upload=upload_of("customers_gbk.csv"))

    def sees(user):
        return login(user).get(reverse("imports:detail", args=[data_import.pk])).status_code in (200, 302)

    assert_matrix(importers, sees, {"alice": True, "bob": False, "carol": False, "dave": False, "erin": False,
                                    "root": True})
    for name in ("mapping", "preview"):
        assert login(importers.bob).get(reverse(f"imports:{name}", args=[data_import.pk])).status_code == 404
        assert login(importers.root).get(reverse(f"imports:{name}", args=[data_import.pk])).status_code == 404


def test_upload_map_preview_run_and_report(importers, login, django_capture_on_commit_callbacks,
                                           django_assert_max_num_queries):
    client = login(importers.carol)
    page = client.get(reverse("imports:new"))
    assert "Import a file" in page.content.decode()
    # upload
    response = client.post(reverse("imports:new"), {"entity": "customers",
                                                     "file": upload_of("customers_utf8_bom.csv")})
    data_import = Import.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:mapping", args=[data_import.pk])
    # mapping: auto-mapped selects, first values, save as a template
    page = client.get(response["Location"]).content.decode()
    assert '<option value="phone" selected>' in page and "0755-86123456" in page
    form = {f"column_{i}": key for i, key in enumerate(data_import.mapping)}
    form["column_8"] = ""  # leave the notes out
    response = client.post(reverse("imports:mapping", args=[data_import.pk]), {**form, "save_as": "客户名单"})
    assert response.status_code == 302
    assert MappingTemplate.objects.get(owner=importers.carol).name == "客户名单"
    # preview: rows, errors, what each would do
    with django_assert_max_num_queries(30):
        page = client.get(reverse("imports:preview", args=[data_import.pk])).content.decode()
    assert "深圳市腾远电子科技有限公司" in page
    assert "is not one of the choices" in page and "Enter a valid phone number" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    # options and run: to the job page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:preview", args=[data_import.pk]),
                               {"duplicate_mode": "update", "start": "1"})
    data_import.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == reverse("web:job", args=[data_import.job_id])
    assert (data_import.status, data_import.duplicate_mode, data_import.created) == (ImportStatus.DONE, "update", 3)
    job_page = client.get(response["Location"]).content.decode()
    assert reverse("imports:detail", args=[data_import.pk]) in job_page
    # report
    report = client.get(reverse("imports:detail", args=[data_import.pk])).content.decode()
    assert "Failed rows" in report and "北京华信精密机械有限公司" not in report
    assert reverse("imports:failed_rows", args=[data_import.pk, "xlsx"]) in report
    download = client.get(reverse("imports:failed_rows", args=[data_import.pk, "csv"]))
    assert download.status_code == 200
    assert "北京华信精密机械有限公司" in b"".join(download.streaming_content).decode("utf-8-sig")
    assert client.get(reverse("imports:failed_rows", args=[data_import.pk, "pdf"])).status_code == 404
    # history
    with django_assert_max_num_queries(12):
        history = client.get(reverse("imports:list")).content.decode()
    assert "customers_utf8_bom.csv" in history
    # a started import is not mapped or run again
    assert client.get(reverse("imports:mapping", args=[data_import.pk])).status_code == 302
    assert Customer.objects.count() == 3
    # (the test client signs in as one user at a time)
    assert login(importers.bob).get(reverse("imports:failed_rows", args=[data_import.pk, "csv"])).status_code == 404


def test_bad_uploads_show_the_reason_on_the_form(importers, login):
    client = login(importers.alice)
    cases = [
        (upload_of("photo.png", b"\x89PNG\r\n\x1a\n0000"), "Choose a CSV or Excel file"),
        (upload_of("empty.csv", b""), "The submitted file is empty."),
        (upload_of("data.csv", "深圳市腾远电子科技有限公司,13812345678\n".encode()), "looks like data"),
        (upload_of("only.csv", "客户名称,电话\n".encode()), "no rows to import"),
    ]
    for upload, message in cases:
        response = client.post(reverse("imports:new"), {"entity": "customers", "file": upload})
        assert response.status_code == 400
        assert message in response.content.decode(), message
    response = client.post(reverse("imports:new"), {"entity": "opportunities", "file": upload_of("customers_gbk.csv")})
    assert response.status_code == 400
    assert not Import.objects.exists()


def test_an_upload_over_the_limit_is_refused_before_it_is_read(importers, login, settings):
    settings.IMPORT_MAX_MB = 1
    big = upload_of("big.csv", "客户名称\n".encode() + "某某有限公司\n".encode() * 120_000)
    response = login(importers.alice).post(reverse("imports:new"), {"entity": "customers", "file": big})
    assert response.status_code == 413
    assert "larger than 1 MB" in response.content.decode()
    assert not Import.objects.exists()


def test_mapping_errors_show_on_their_columns(importers, login):
    data_import = services.import_upload(actor=importers.alice, entity="customers",
                                         upload=upload_of("customers_gbk.csv"))
    client = login(importers.alice)
    response = client.post(reverse("imports:mapping", args=[data_import.pk]),
                           {"column_0": "", "column_1": "phone", "column_2": "phone", "column_3": "", "column_4": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a column for" in page and "is already the field of column" in page


def test_a_workbook_with_several_sheets_can_read_another(importers, login, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "说明"
    book.active.append(["请在第二张表填写客户"])
    sheet = book.create_sheet("客户")
    sheet.append(["客户名称", "电话"])
    sheet.append(["华为技术有限公司", "0755-28780808"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    client = login(importers.alice)
    client.post(reverse("imports:new"), {"entity": "customers", "file": upload_of("two.xlsx", path.read_bytes())})
    data_import = Import.objects.get()
    # The first sheet holds no table of two columns; the one that does is read.
    assert data_import.sheet in ("说明", "客户")
    response = client.post(reverse("imports:mapping", args=[data_import.pk]), {"sheet": "客户"})
    assert response.status_code == 302
    data_import.refresh_from_db()
    assert (data_import.sheet, data_import.headers, data_import.mapping) == ("客户", ["客户名称", "电话"],
                                                                             ["name", "phone"])


def test_templates_can_be_deleted_by_their_owner_only(importers, login):
    template = services.template_save(actor=importers.alice, entity="customers", name="模板",
                                      headers=["名称"], columns=["name"])
    assert login(importers.bob).post(reverse("imports:template_delete", args=[template.pk])).status_code == 404
    assert login(importers.alice).post(reverse("imports:template_delete", args=[template.pk])).status_code == 302
    assert not MappingTemplate.objects.exists()
