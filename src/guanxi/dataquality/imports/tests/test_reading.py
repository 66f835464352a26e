"""Reading files: encodings, where the column names are, merged cells, formulas, dates, bad files."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from guanxi.core.errors import DomainError
from guanxi.customers.choices import CustomerGrade, CustomerStatus, Industry
from guanxi.dataquality.imports import cells, errors, reading

from .conftest import FIXTURES


def table(name: str, path=None):
    path = path or FIXTURES / name
    fmt = reading.file_format(path.name, path.read_bytes()[:8])
    layout = reading.analyse(path, fmt)
    rows = [cells_ for _n, cells_ in reading.data_rows(path, layout) if not reading.is_empty(cells_)]
    return layout, rows


def test_utf8_csv_with_a_byte_order_mark():
    layout, rows = table("customers_utf8_bom.csv")
    assert layout.encoding == "utf-8-sig"
    assert layout.headers[:3] == ["客户名称", "电话", "邮箱"]
    assert rows[0][0] == "深圳市腾远电子科技有限公司"
    assert len(rows) == 4  # the empty row is passed over


def test_gbk_csv_is_read_as_gb18030():
    layout, rows = table("customers_gbk.csv")
    assert layout.encoding == "gb18030"
    assert layout.headers == ["公司名称", "联系电话", "电子邮箱", "所属行业", "客户来源"]
    assert rows[1][0] == "西安古城文化传媒有限公司"


def test_xlsx_title_row_two_row_header_formulas_dates_and_empty_rows():
    layout, rows = table("customers_merged.xlsx")
    assert layout.sheet == "客户"
    assert (layout.header_row, layout.header_depth) == (1, 2)
    assert layout.headers == ["客户名称", "联系方式/电话", "联系方式/邮箱", "等级", "下次跟进", "预算（万元）", "网站"]
    assert len(rows) == 3
    first = rows[0]
    assert first[4] == dt.date(2026, 1, 15)  # a date cell
    assert first[5] == 50.0 and first[6] == "https://mingde.cn"  # what the formulas computed
    assert rows[1][4] == 46040.5  # a bare serial; the field decides it is a date


def test_merged_cells_down_the_data_fill_every_row():
    _layout, rows = table("contacts_merged.xlsx")
    assert [r[0] for r in rows] == ["深圳市腾远电子科技有限公司", "深圳市腾远电子科技有限公司", "不存在的公司"]
    assert rows[0][5] == dt.date(1981, 1, 1)


def test_xls_workbook():
    layout, rows = table("leads.xls")
    assert layout.fmt == "xls" and layout.header_row == 1
    assert layout.headers == ["姓名", "公司", "电话", "邮箱", "来源", "状态"]
    assert rows[0][:2] == ["陈静", "南京紫金软件有限公司"]


@pytest.mark.parametrize(("name", "content", "code"), [
    ("picture.png", b"\x89PNG\r\n\x1a\n....", errors.WRONG_TYPE),
    ("report.pdf", b"%PDF-1.7 ...", errors.WRONG_TYPE),
    ("fake.xlsx", b"name,phone\nA,1\n", errors.WRONG_TYPE),
    ("fake.xls", b"name,phone\nA,1\n", errors.WRONG_TYPE),
    ("empty.csv", b"", errors.EMPTY),
    ("blank.csv", b"\r\n ,  ,\r\n\r\n", errors.EMPTY),
    ("binary.csv", b"ab\x00\x00cd\x00" * 50, errors.WRONG_TYPE),
    ("no_header.csv", "深圳市腾远电子科技有限公司,13812345678,info@tengyuan.cn\n".encode(), errors.NO_HEADER),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", errors.UNREADABLE),
])
def test_bad_files_are_refused_with_a_reason(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DomainError) as refused:
        fmt = reading.file_format(name, content[:8])
        reading.analyse(path, fmt)
    assert refused.value.code == code
    assert refused.value.errors["file"]


def test_a_workbook_renamed_csv_is_read_as_a_workbook():
    content = (FIXTURES / "customers_merged.xlsx").read_bytes()
    assert reading.file_format("customers.csv", content[:8]) == "xlsx"


def test_utf16_csv(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("名称\t电话\n华为\t13812345678\n".encode("utf-16"))
    layout, rows = table("", path)
    assert layout.headers == ["名称", "电话"] and rows == [["华为", "13812345678"]]


def test_excel_serials_and_written_dates():
    assert cells.day(46037) == dt.date(2026, 1, 15)
    assert cells.day("46037") == dt.date(2026, 1, 15)
    assert cells.day("2026/02/14") == cells.day("2026年2月14日") == cells.day("20260214") == dt.date(2026, 2, 14)
    with timezone.override("Asia/Shanghai"):
        at = cells.aware(46040.5)
    assert (at.date(), at.hour, str(at.tzinfo)) == (dt.date(2026, 1, 18), 12, "Asia/Shanghai")
    assert cells.aware("2026-03-01 09:30").minute == 30
    for bad in ("tomorrow", "2026-13-40", 0, 999_999_999):
        with pytest.raises(ValueError):
            cells.day(bad)


def test_choices_by_value_or_label_in_any_language():
    with translation.override("en"):
        assert cells.choice("意向", CustomerStatus) == "intent"
        assert cells.choice("Intent", CustomerStatus) == "intent"
        assert cells.choice("B（重要）", CustomerGrade) == "B"
        assert cells.choice("important", CustomerGrade) == "B"
        assert cells.choice("软件与信息技术", Industry) == "it"
        with pytest.raises(ValueError) as refused:
            cells.choice("Z", CustomerGrade)
    assert "is not one of the choices" in str(refused.value)


def test_text_yes_no_and_numbers():
    assert cells.text(13912345678.0) == "13912345678"
    assert cells.text("'=1+1") == "=1+1"
    assert cells.text(" a\x00b ") == "ab"
    assert cells.boolean("是") is True and cells.boolean("否") is False and cells.boolean("Yes") is True
    assert cells.number("¥1,234.50") == Decimal("1234.50")
    for bad in ("abc", "1e999", True):
        with pytest.raises(ValueError):
            cells.number(bad)


def test_header_names_are_compared_without_marks():
    assert reading.normalise_header("客户名称*") == reading.normalise_header("客户名称（必填）") == "客户名称"
    assert reading.normalise_header("E-Mail") == "email"
