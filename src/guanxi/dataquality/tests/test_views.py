"""Pages: the matches above the customer and contact forms, "Save anyway", block mode, the settings page."""

import pytest
from django.urls import reverse

from guanxi.core.models import AuditEvent
from guanxi.core.system import SYSTEM
from guanxi.core.testing import assert_matrix
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer
from guanxi.dataquality.models import CollisionPolicy
from guanxi.dataquality.selectors import collision_mode

pytestmark = pytest.mark.django_db

NAME = "深圳市腾远电子科技有限公司"
CREATE = reverse("customers:create")
SETTINGS = reverse("dataquality:settings")


def _form(**overrides):
    data = {"name": "腾远电子科技（深圳）有限公司", "kind": "company", "status": "potential", "grade": "",
            "industry": "", "source": "", "region": "广东 深圳", "address": "南山区科技园一路 8 号", "phone": "",
            "email": "", "website": "", "notes": "老板姓王", "next_follow_up_at": "", "new_tags": "重点跟进"}
    data.update(overrides)
    return data


@pytest.fixture
def daves(company, make_customer):
    return make_customer(company.dave, NAME, phone="0755-86123456")


# -- the customer form --


def test_a_possible_duplicate_is_listed_above_the_form_and_nothing_is_lost(company, login, daves):
    client = login(company.alice)
    response = client.post(CREATE, _form(owner=str(company.alice.pk)))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Possible duplicate" in body
    assert "Already followed by 赵磊 (销售二部)" in body
    assert reverse("customers:detail", args=[daves.pk]) not in body and NAME not in body
    assert 'type="checkbox" name="confirm_duplicate" value="1"' in body
    # what was typed is still there, and nothing was saved (not even the new tag)
    assert "南山区科技园一路 8 号" in body and "老板姓王" in body and "重点跟进" in body
    assert Customer.objects.count() == 1
    saved = client.post(CREATE, _form(owner=str(company.alice.pk), confirm_duplicate="1"))
    assert saved.status_code == 302
    created = Customer.objects.exclude(pk=daves.pk).get()
    assert created.address == "南山区科技园一路 8 号" and [t.name for t in created.tags.all()] == ["重点跟进"]
    assert AuditEvent.objects.get(action="customer.created", object_id=str(created.pk)).extra[
        "duplicates_confirmed"][0]["id"] == daves.pk


def test_a_match_the_user_may_see_is_a_link(company, login, make_customer):
    mine = make_customer(company.alice, NAME)
    body = login(company.alice).post(CREATE, _form(owner=str(company.alice.pk))).content.decode()
    assert f'<a href="{reverse("customers:detail", args=[mine.pk])}">{NAME}</a>' in body
    assert "owner 王芳" in body


def test_block_mode_refuses_and_offers_no_checkbox(company, login, daves, block_duplicates):
    client = login(company.alice)
    response = client.post(CREATE, _form(owner=str(company.alice.pk), confirm_duplicate="1"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "not saved" in body and "may not be saved" in body
    assert "confirm_duplicate" not in body
    assert Customer.objects.count() == 1


def test_the_new_customer_form_shows_no_matches_box_before_saving(company, login, daves):
    body = login(company.alice).get(CREATE).content.decode()
    assert "Possible duplicate" not in body and "confirm_duplicate" not in body


def test_editing_the_phone_into_another_customers_is_checked(company, login, make_customer, daves):
    mine = make_customer(company.alice, "华信精密机械有限公司")
    url = reverse("customers:edit", args=[mine.pk])
    client = login(company.alice)
    data = _form(name=mine.name, phone="+86 755 8612 3456", version=str(mine.version), owner=str(company.alice.pk))
    response = client.post(url, data)
    assert response.status_code == 400 and "Already followed by 赵磊 (销售二部)" in response.content.decode()
    mine.refresh_from_db()
    assert mine.phone == ""
    assert client.post(url, {**data, "confirm_duplicate": "1"}).status_code == 302
    mine.refresh_from_db()
    assert mine.phone_e164 == "+8675586123456"


# -- the contact forms --


def test_a_contact_with_another_customers_phone_is_checked_with_htmx(company, login, make_customer, daves):
    mine = make_customer(company.alice, "华信精密机械有限公司")
    url = reverse("customers:contact_create", args=[mine.pk])
    client = login(company.alice)
    htmx = {"HX-Request": "true", "HX-Target": "contacts"}
    response = client.post(url, {"new-name": "张伟", "new-phone": "0755-86123456"}, headers=htmx)
    body = response.content.decode()
    assert response.status_code == 200 and "Already followed by 赵磊 (销售二部)" in body
    assert 'name="new-confirm_duplicate"' in body and "张伟" in body
    assert not Contact.objects.exists()
    client.post(url, {"new-name": "张伟", "new-phone": "0755-86123456", "new-confirm_duplicate": "1"}, headers=htmx)
    assert Contact.objects.get().customer == mine


def test_a_contact_without_js_shows_the_matches_on_the_customer_page(company, login, make_customer, daves):
    mine = make_customer(company.alice, "华信精密机械有限公司")
    response = login(company.alice).post(reverse("customers:contact_create", args=[mine.pk]),
                                         {"new-name": "张伟", "new-mobile": "075586123456"})
    assert response.status_code == 400 and "Already followed by 赵磊 (销售二部)" in response.content.decode()


def test_editing_a_contacts_email_is_checked(company, login, make_customer):
    make_customer(company.dave, "华信精密机械有限公司", email="boss@huaxin.cn")
    mine = make_customer(company.alice, NAME)
    contact = services.contact_create(actor=SYSTEM, customer=mine, data={"name": "张伟"})
    url = reverse("customers:contact_edit", args=[contact.pk])
    data = {"name": "张伟", "email": "BOSS@huaxin.cn", "version": str(contact.version)}
    body = login(company.alice).post(url, data).content.decode()
    assert "Already followed by 赵磊 (销售二部)" in body and 'name="confirm_duplicate"' in body
    contact.refresh_from_db()
    assert contact.email == ""


# -- the settings page --


def test_only_data_quality_managers_open_the_settings(company, login):
    statuses = {user: login(user).get(SETTINGS).status_code for user in company.cast().values()}
    assert_matrix(company, lambda user: statuses[user] == 200,
                  {"alice": False, "bob": False, "carol": False, "dave": False, "erin": False, "root": True})
    assert set(statuses.values()) == {200, 403}


def test_the_settings_page_needs_a_sign_in(client):
    response = client.get(SETTINGS)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_admin_switches_to_block(company, login):
    client = login(company.root)
    body = client.get(SETTINGS).content.decode()
    assert 'value="warn" required id="id_mode_0" checked' in body
    response = client.post(SETTINGS, {"mode": "block"}, follow=True)
    body = response.content.decode()
    assert "Duplicate check settings saved." in body
    assert 'value="block" required id="id_mode_1" checked' in body and "Last changed by 管理员" in body
    assert collision_mode() == "block"
    assert AuditEvent.objects.filter(action="dataquality.policy_changed", actor=company.root).exists()


@pytest.mark.parametrize("mode", ["", "off", "<script>alert(1)</script>", "b" * 5000])
def test_a_bad_mode_is_refused_on_the_form(company, login, mode):
    response = login(company.root).post(SETTINGS, {"mode": mode})
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not CollisionPolicy.objects.exists()


def test_a_seller_cannot_post_the_settings(company, login):
    assert login(company.carol).post(SETTINGS, {"mode": "block"}).status_code == 403
    assert collision_mode() == "warn"


def test_the_try_out_shows_the_compared_keys_and_what_is_found(company, login, daves):
    body = login(company.root).get(SETTINGS, {"name": "腾远电子科技（深圳）有限公司", "phone": "abc"}).content.decode()
    assert "<code>腾远电子科技</code>" in body
    assert "nothing to compare" in body  # the phone is not a number
    assert f'<a href="{reverse("customers:detail", args=[daves.pk])}">{NAME}</a>' in body


def test_names_in_the_matches_are_escaped(company, login, make_customer):
    make_customer(company.alice, "<img src=x onerror=alert(1)>腾远有限公司")
    body = login(company.alice).post(CREATE, _form(name="<img src=x onerror=alert(1)>腾远",
                                                   owner=str(company.alice.pk))).content.decode()
    assert "Possible duplicate" in body
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;腾远有限公司" in body
