"""Who may export which list, and what their files hold: the export action, the data scope (a seller
their own records, a manager their department's), masking of phones and emails."""

from __future__ import annotations

import pytest

from guanxi.core.testing import ALICE_RECORD_VISIBLE, SELLER_ACTIONS, assert_matrix
from guanxi.dataquality.exports.registry import export_definition, export_definitions
from guanxi.org.models import Role

from .conftest import LISTS, api, keys, post_export, read_file

pytestmark = pytest.mark.django_db

# Products are the company's catalogue: no owner, so everyone who may export them gets them all.
EVERYONE_WHO_MAY = {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True}


def test_every_list_with_a_page_or_api_is_registered():
    assert sorted(d.name for d in export_definitions()) == LISTS


def _expected(name: str) -> dict[str, bool]:
    return EVERYONE_WHO_MAY if name == "products" else ALICE_RECORD_VISIBLE


@pytest.mark.parametrize("name", LISTS)
def test_api_export_holds_only_records_in_scope(company, make_record, name):
    # given
    key = make_record(name, company.alice)

    # when / then
    def sees(user):
        response = post_export(api(user), {"list": name, "format": "csv"})
        return response.status_code == 200 and key in keys(read_file(response, "csv"))

    assert_matrix(company, sees, _expected(name))


@pytest.mark.parametrize("name", LISTS)
def test_page_export_holds_only_records_in_scope(client, company, make_record, name):
    key = make_record(name, company.alice)

    def sees(user):
        client.force_login(user)
        response = client.post(f"/exports/{name}/", {"format": "xlsx"})
        return response.status_code == 200 and key in keys(read_file(response, "xlsx"))

    assert_matrix(company, sees, _expected(name))


@pytest.mark.parametrize("name", LISTS)
def test_without_the_export_action_the_export_is_forbidden(client, company, make_record, name):
    # given: a role that may view everything a seller may, but export nothing
    make_record(name, company.alice)
    viewer = Role.objects.create(name="只读", actions=[a for a in SELLER_ACTIONS if not a.endswith(".export")],
                                 scopes=company.seller_role.scopes)
    company.bob.roles.set([viewer])
    definition = export_definition(name)
    assert definition is not None and definition.action in SELLER_ACTIONS

    # when
    by_api = post_export(api(company.bob), {"list": name, "format": "csv"})
    client.force_login(company.bob)
    by_page = client.post(f"/exports/{name}/", {"format": "csv"})
    by_erin = post_export(api(company.erin), {"list": name, "format": "xlsx"})

    # then
    assert by_api.status_code == 403
    assert by_api.json()["code"] == "forbidden"
    assert by_page.status_code == 403
    assert by_erin.status_code == 403


def test_a_manager_exports_their_departments_records_and_no_other(company, make_record):
    alices = make_record("opportunities", company.alice, "甲")
    bobs = make_record("opportunities", company.bob, "乙")
    daves = make_record("opportunities", company.dave, "丙")
    rows = read_file(post_export(api(company.carol), {"list": "opportunities", "format": "csv"}), "csv")
    assert keys(rows) == {alices, bobs}
    assert daves not in keys(rows)


def test_a_seller_exports_only_their_own_records(company, make_record):
    alices = make_record("customers", company.alice, "甲")
    make_record("customers", company.bob, "乙")
    rows = read_file(post_export(api(company.alice), {"list": "customers", "format": "xlsx"}), "xlsx")
    assert keys(rows) == {alices}


@pytest.mark.parametrize(("name", "columns"), [
    ("customers", {"Phone": "138****5678", "Email": "b***@jia.cn"}),
    ("contacts", {"Mobile": "138****5678", "Email": "l***@jia.cn"}),
    ("leads", {"Phone": "139****5678"}),
])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_phones_and_emails_are_masked_without_view_sensitive(company, make_customer, make_record, name, columns,
                                                            fmt):
    # given: alice (a seller) lacks customers.view_sensitive, carol (her manager) has it
    if name == "customers":
        make_customer(company.alice, "甲公司", phone="13812345678", email="boss@jia.cn")
    else:
        make_record(name, company.alice)

    def row_of(user):
        rows = read_file(post_export(api(user), {"list": name, "format": fmt}), fmt)
        return dict(zip(rows[0], rows[1], strict=True))

    seller, manager = row_of(company.alice), row_of(company.carol)
    for column, masked in columns.items():
        assert seller[column] == masked
        assert manager[column] != masked and "****" not in manager[column] and "***@" not in manager[column]
