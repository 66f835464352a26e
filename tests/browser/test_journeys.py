"""What a seller does on a first day, in a real browser: sign in, record a customer and its
contact, log a follow-up and see it on the timeline; and what they must never see."""

import re

import pytest

from guanxi.core.testing import PASSWORD

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_seller_records_customer_contact_and_follow_up_and_sees_the_timeline(page, company):
    sign_in(page, "alice", PASSWORD)

    # create a customer
    page.goto(page.base_url + "/customers/new/")
    page.fill("#id_name", "杭州云栖科技有限公司")
    page.fill("#id_phone", "0571 8888 6666")
    page.click("form.stacked button[type=submit].btn-primary")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert page.locator("h1").inner_text() == "杭州云栖科技有限公司"

    # add a contact (the form swaps the contacts card in place)
    page.click("#contacts a.add-contact")
    contact_form = page.locator("#contacts form[hx-post*='/contacts/new/']")
    contact_form.locator("[name=new-name]").fill("张伟")
    contact_form.locator("[name=new-title]").fill("采购经理")
    contact_form.locator("[name=new-mobile]").fill("13812345678")
    contact_form.locator("button[type=submit]").click()
    page.locator("#contacts .contact-list").get_by_text("张伟").wait_for()

    # log a follow-up
    page.reload()
    page.click("#log-follow-up a.write-follow-up")
    follow_up = page.locator("form.follow-up-form")
    follow_up.locator("[name=fu-kind]").select_option("call")
    follow_up.locator("[name=fu-content]").fill("首次电话沟通，客户对报价感兴趣")
    follow_up.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/customers/\d+/"))

    timeline = page.locator("#timeline")
    timeline.get_by_text("首次电话沟通，客户对报价感兴趣").wait_for()
    # the contact's creation is an audited change on the same timeline
    assert "张伟" in timeline.inner_text()
    # and the follow-up moved the customer's last-contacted time
    from guanxi.customers.models import Customer

    assert Customer.objects.get(name="杭州云栖科技有限公司").last_contacted_at is not None


def test_seller_cannot_open_a_colleagues_customer_by_url(page, company):
    from guanxi.customers import services

    secret = services.customer_create(actor=company.alice, data={"name": "王芳的重点客户"})
    sign_in(page, "dave", PASSWORD)
    response = page.goto(f"{page.base_url}/customers/{secret.pk}/")
    assert response.status == 404
    assert "王芳的重点客户" not in page.content()
    # nor does it show up in the list or a search
    page.goto(page.base_url + "/customers/?q=重点")
    assert "王芳的重点客户" not in page.content()


def test_phone_layout_menu_and_language_switch(phone_page, company):
    page = phone_page
    sign_in(page, "alice", PASSWORD)
    nav = page.locator("nav.nav")
    assert not nav.is_visible()
    page.click("button.menu-toggle")
    nav.wait_for(state="visible")
    # English was chosen by the browser (en-US); switch to Chinese and back
    assert nav.get_by_role("link", name="Customers").is_visible()
    page.click(".lang-switch button")
    page.wait_for_load_state()
    page.click("button.menu-toggle")
    assert page.locator("nav.nav").get_by_role("link", name="客户").is_visible()


def test_language_switch_is_remembered_on_the_profile(page, company):
    from guanxi.org.models import User

    User.objects.filter(pk=company.alice.pk).update(language="zh-hans")
    sign_in(page, "alice", PASSWORD)
    page.click(".lang-switch button")  # offers English while the page is in Chinese
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert User.objects.get(pk=company.alice.pk).language == "en"
