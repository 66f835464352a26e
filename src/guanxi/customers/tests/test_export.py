"""CSV export of the customer list: scoped, masked, filtered, audited."""

import csv
import io

import pytest

from guanxi.core.models import AuditEvent
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services

pytestmark = pytest.mark.django_db


def _download(client, user, query=""):
    client.force_login(user)
    response = client.get("/customers/export.csv" + query)
    if response.status_code != 200:
        return response.status_code, []
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return 200, list(csv.reader(io.StringIO(body)))


def test_export_holds_only_records_in_scope(client, company):
    mine = services.customer_create(actor=company.alice, data={"name": "王芳的客户"})

    def sees(user):
        status, rows = _download(client, user)
        return status == 200 and any(r[0] == str(mine.pk) for r in rows[1:])

    # erin has no export right at all; the others see exactly what their scope allows.
    assert_matrix(company, sees, ALICE_RECORD_VISIBLE)


def test_without_the_export_action_the_download_is_forbidden(client, company):
    status, _rows = _download(client, company.erin)
    assert status == 403


def test_phones_and_emails_are_masked_like_on_screen(client, company):
    services.customer_create(actor=company.alice,
                             data={"name": "甲公司", "phone": "13812345678", "email": "boss@jia.cn"})
    _status, seller_rows = _download(client, company.alice)  # sellers lack view_sensitive
    _status, manager_rows = _download(client, company.carol)
    assert seller_rows[1][9:11] == ["138****5678", "b***@jia.cn"]
    assert manager_rows[1][9:11] == ["13812345678", "boss@jia.cn"]


def test_filters_apply_and_the_export_is_audited(client, company):
    services.customer_create(actor=company.alice, data={"name": "甲公司", "grade": "A"})
    services.customer_create(actor=company.alice, data={"name": "乙公司", "grade": "C"})
    _status, rows = _download(client, company.alice, "?grade=A")
    assert [r[1] for r in rows[1:]] == ["甲公司"]
    event = AuditEvent.objects.get(action="customer.exported")
    assert event.actor == company.alice
    assert event.extra["filters"] == "grade=A"


def test_a_bad_filter_is_a_clear_error_not_a_file(client, company):
    client.force_login(company.alice)
    response = client.get("/customers/export.csv?grade=Z")
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="customer.exported").exists()


def test_formula_like_text_is_exported_as_text(client, company):
    services.customer_create(actor=company.alice, data={"name": "=HYPERLINK(\"http://x\")"})
    _status, rows = _download(client, company.alice)
    assert rows[1][1].startswith("'=")


def test_phone_numbers_with_a_plus_are_not_mistaken_for_formulas(client, company):
    services.customer_create(actor=company.alice, data={"name": "丙公司", "phone": "+86 138 1234 5678"})
    _status, rows = _download(client, company.carol)
    assert rows[1][9] == "+86 138 1234 5678"
