"""API: 409 possible_duplicate with confirm_duplicate on customer and contact writes, and GET /duplicates/check."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.core.system import SYSTEM
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer

from .conftest import BASE, send

pytestmark = pytest.mark.django_db

NAME = "深圳市腾远电子科技有限公司"
CHECK = f"{BASE}/duplicates/check"
DAVE_FOLLOWS = "Customer: Already followed by 赵磊 (销售二部) — same company name"


@pytest.fixture
def daves(company, make_customer):
    return make_customer(company.dave, NAME, phone="0755-86123456", email="info@tengyuan.cn")


# -- customers and contacts --


def test_creating_a_duplicate_answers_409_until_confirmed(company, api, daves):
    client = api(company.alice)
    body = {"name": "腾远电子科技（深圳）有限公司"}
    refused = send(client, "post", "/customers", body)
    assert refused.status_code == 409
    assert refused.json()["code"] == "possible_duplicate"
    assert refused.json()["errors"] == {"__all__": [DAVE_FOLLOWS]}
    assert Customer.objects.count() == 1
    created = send(client, "post", "/customers", {**body, "confirm_duplicate": True})
    assert created.status_code == 201
    assert created.json()["name"] == "腾远电子科技（深圳）有限公司"


def test_block_mode_answers_409_even_when_confirmed(company, api, daves, block_duplicates):
    response = send(api(company.alice), "post", "/customers",
                    {"name": "腾远电子科技有限公司", "confirm_duplicate": True})
    assert response.status_code == 409 and "may not be saved" in response.json()["message"]
    assert Customer.objects.count() == 1


def test_a_match_in_scope_names_the_record(company, api, make_customer):
    make_customer(company.alice, NAME)
    response = send(api(company.alice), "post", "/customers", {"name": "腾远电子科技有限公司"})
    assert response.json()["errors"]["__all__"] == [f"Customer: {NAME}, owner 王芳 — same company name"]


def test_changing_the_email_into_another_customers_answers_409(company, api, make_customer, daves):
    mine = make_customer(company.alice, "华信精密机械有限公司")
    client = api(company.alice)
    refused = send(client, "patch", f"/customers/{mine.pk}", {"email": "Info@Tengyuan.cn", "version": 1})
    assert refused.status_code == 409 and refused.json()["code"] == "possible_duplicate"
    saved = send(client, "patch", f"/customers/{mine.pk}",
                 {"email": "Info@Tengyuan.cn", "version": 1, "confirm_duplicate": True})
    assert saved.status_code == 200 and saved.json()["version"] == 2
    # unrelated changes are not checked
    assert send(client, "patch", f"/customers/{mine.pk}", {"notes": "已确认", "version": 2}).status_code == 200


def test_a_contact_with_another_customers_phone_answers_409(company, api, make_customer, daves):
    mine = make_customer(company.alice, "华信精密机械有限公司")
    client = api(company.alice)
    body = {"name": "张伟", "mobile": "+86 755 8612 3456"}
    refused = send(client, "post", f"/customers/{mine.pk}/contacts", body)
    assert refused.status_code == 409
    assert refused.json()["errors"]["__all__"] == ["Customer: Already followed by 赵磊 (销售二部) — same phone"]
    assert not Contact.objects.exists()
    assert send(client, "post", f"/customers/{mine.pk}/contacts",
                {**body, "confirm_duplicate": True}).status_code == 201
    contact = Contact.objects.get()
    changed = send(client, "patch", f"/contacts/{contact.pk}", {"email": "info@tengyuan.cn"})
    assert changed.status_code == 409


@pytest.mark.parametrize("value", [None, "maybe", [True], {"yes": 1}, 2])
def test_confirm_duplicate_must_be_a_boolean(company, api, daves, value):
    response = send(api(company.alice), "post", "/customers", {"name": "新公司", "confirm_duplicate": value})
    assert response.status_code == 422 and "confirm_duplicate" in response.json()["errors"]
    assert Customer.objects.count() == 1


# -- GET /duplicates/check --


def test_the_check_reveals_only_what_each_person_may_see(company, api, make_customer):
    alices = make_customer(company.alice, NAME, phone="13812345678")
    responses = {user: api(user).get(CHECK, {"phone": "138 1234 5678"}) for user in company.cast().values()}
    assert responses[company.erin].status_code == 403
    assert_matrix(company, lambda u: responses[u].status_code == 200 and responses[u].json()["matches"][0]["visible"],
                  ALICE_RECORD_VISIBLE)
    seen = responses[company.alice].json()
    assert seen["mode"] == "warn"
    assert seen["matches"] == [{
        "kind": "customer", "kind_label": "Customer", "reasons": ["phone"], "reason": "same phone",
        "message": f"Customer: {NAME}, owner 王芳 — same phone", "owner_name": "王芳", "department_name": "销售一部",
        "in_pool": False, "visible": True, "id": alices.pk, "label": NAME, "url": f"/customers/{alices.pk}/"}]
    hidden = responses[company.bob].json()["matches"][0]
    assert hidden == {
        "kind": "customer", "kind_label": "Customer", "reasons": ["phone"], "reason": "same phone",
        "message": "Customer: Already followed by 王芳 (销售一部) — same phone", "owner_name": "王芳",
        "department_name": "销售一部", "in_pool": False, "visible": False, "id": None, "label": "", "url": ""}


def test_the_check_speaks_chinese(company, api, daves):
    client = api(company.alice)
    response = client.get(CHECK, {"name": NAME}, headers={"Accept-Language": "zh-hans"})
    match = response.json()["matches"][0]
    assert match["message"] == "客户：已被 赵磊（销售二部）跟进 — 公司名称相同"


def test_the_check_says_block_when_the_policy_blocks(company, api, daves, block_duplicates):
    assert api(company.alice).get(CHECK, {"name": NAME}).json()["mode"] == "block"


def test_nothing_found_is_an_empty_list(company, api, daves):
    assert api(company.alice).get(CHECK, {"name": "华信精密机械有限公司"}).json()["matches"] == []


@pytest.mark.parametrize("params,status,field", [
    ({}, 400, "__all__"),
    ({"name": "  "}, 400, "__all__"),
    ({"phone": "12"}, 400, "phone"),
    ({"phone": "call me"}, 400, "phone"),
    ({"email": "not-an-email"}, 400, "email"),
    ({"name": "公" * 201}, 422, "name"),
    ({"phone": "1" * 41}, 422, "phone"),
    ({"name": "腾远\x00"}, 422, "name"),
])
def test_bad_input_gets_a_clear_error(company, api, daves, params, status, field):
    response = api(company.alice).get(CHECK, params)
    assert response.status_code == status
    assert field in response.json()["errors"] or (field == "__all__" and response.json()["message"])


def test_html_in_the_name_is_just_text(company, api, make_customer):
    make_customer(company.dave, "<b>腾远</b>电子有限公司")
    match = api(company.dave).get(CHECK, {"name": "<b>腾远</b>电子"}).json()["matches"][0]
    assert match["label"] == "<b>腾远</b>电子有限公司"


def test_the_check_needs_a_sign_in():
    response = Client().get(CHECK, {"name": NAME})
    assert response.status_code == 401


def test_the_checks_query_count_does_not_grow_with_the_records(company, api, make_customer):
    client = api(company.carol)
    make_customer(company.alice, NAME, phone="0755-86123456")
    elsewhere = make_customer(company.alice, "华信精密机械有限公司")
    services.contact_create(actor=SYSTEM, customer=elsewhere, data={"name": "张伟", "email": "info@tengyuan.cn"})
    params = {"name": NAME, "phone": "0755-86123456", "email": "info@tengyuan.cn"}
    client.get(CHECK, params)  # the token's first use is recorded; not part of the check's cost
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(CHECK, params).json()["matches"]) == 2
    for i in range(30):
        customer = make_customer(company.dave if i % 2 else company.bob, NAME, email="info@tengyuan.cn")
        services.contact_create(actor=SYSTEM, customer=customer, data={"name": f"联系人{i}",
                                                                      "mobile": "075586123456"})
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(CHECK, params).json()["matches"]) == 20
    assert len(many) == len(few)


def test_no_match_is_told_to_someone_who_may_not_save_at_all(company, api, make_customer, daves):
    # erin may not create customers: 403 before any check runs; dave cannot reach alice's customer: 404
    assert send(api(company.erin), "post", "/customers", {"name": NAME}).status_code == 403
    alices = make_customer(company.alice, "华信精密机械有限公司")
    response = send(api(company.dave), "patch", f"/customers/{alices.pk}", {"phone": "0755-86123456"})
    assert response.status_code == 404 and "赵磊" not in response.content.decode()


def test_a_confirmed_duplicate_on_a_stale_version_is_still_a_conflict(company, api, make_customer, daves):
    mine = make_customer(company.alice, "华信精密机械有限公司")
    services.customer_update(actor=company.alice, customer=mine, data={"notes": "别人改过"})
    response = send(api(company.alice), "patch", f"/customers/{mine.pk}",
                    {"phone": "0755-86123456", "version": 1, "confirm_duplicate": True})
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    mine.refresh_from_db()
    assert mine.phone == ""
