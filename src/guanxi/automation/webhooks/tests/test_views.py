"""Pages: the list, the form with event checkboxes, a webhook's page with its secret, the test button, the
delivery log (paged in place with HTMX, replay per delivery), and who may see any of it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from guanxi.automation.webhooks.models import Delivery, Subscription
from guanxi.core.testing import assert_matrix

pytestmark = pytest.mark.django_db

LIST = reverse("webhooks:list")
NEW = reverse("webhooks:create")
ONLY_INTEGRATORS = {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


def test_create_through_the_form_then_see_the_secret(integrators, customer_resource, receiver, login):
    carol = login(integrators.carol)
    form = carol.get(NEW).content.decode()
    assert 'value="customer.created"' in form and 'value="*"' in form and "All events" in form

    response = carol.post(NEW, {"name": "ERP 同步", "target_url": receiver.url,
                                "event_types": ["customer.created", "customer.updated"], "is_active": "on"})

    subscription = Subscription.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("webhooks:detail",
                                                                           args=[subscription.pk])
    assert subscription.event_types == ["customer.created", "customer.updated"]
    page = carol.get(response["Location"]).content.decode()
    assert subscription.secret in page and receiver.url in page
    assert "Customer · created" in page
    assert "ERP 同步" in carol.get(LIST).content.decode()


def test_the_form_shows_what_is_wrong_and_saves_nothing(integrators, customer_resource, login):
    carol = login(integrators.carol)
    response = carol.post(NEW, {"name": "ERP", "target_url": "ftp://erp.example.cn/", "event_types": []})
    page = response.content.decode()
    assert response.status_code == 400
    assert "starting with http:// or https://" in page
    assert "Choose at least one event to send." in page
    assert not Subscription.objects.exists()
    unknown = carol.post(NEW, {"name": "ERP", "target_url": "https://a.cn/", "event_types": ["lead.exploded"]})
    assert unknown.status_code == 400 and not Subscription.objects.exists()


def test_edit_delete_and_a_new_secret(integrators, make_subscription, receiver, login):
    subscription = make_subscription(receiver.url, ["customer.created"])
    carol = login(integrators.carol)
    edit = reverse("webhooks:edit", args=[subscription.pk])
    assert re.search(r'value="customer\.created"[^>]*checked', carol.get(edit).content.decode())

    carol.post(edit, {"name": "ERP（新）", "target_url": receiver.url, "event_types": ["*"]})
    subscription.refresh_from_db()
    assert (subscription.name, subscription.event_types, subscription.is_active) == ("ERP（新）", ["*"], False)

    old = subscription.secret
    carol.post(reverse("webhooks:secret", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.secret != old

    response = carol.post(reverse("webhooks:delete", args=[subscription.pk]))
    assert response.status_code == 302 and not Subscription.objects.exists()


def test_send_a_test_event_and_replay_it_from_the_log(integrators, make_subscription, receiver, login,
                                                     django_capture_on_commit_callbacks):
    subscription = make_subscription(receiver.url, ["customer.created"])
    carol = login(integrators.carol)
    detail = reverse("webhooks:detail", args=[subscription.pk])
    receiver.answer(500)
    with django_capture_on_commit_callbacks(execute=True):
        carol.post(reverse("webhooks:test", args=[subscription.pk]))
    delivery = Delivery.objects.get()
    page = carol.get(detail).content.decode()
    assert "webhook.test" in page and "Pending" in page and "500" in page and "refused with 500" in page
    assert "Request body" in page and reverse("webhooks:replay", args=[delivery.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = carol.post(reverse("webhooks:replay", args=[delivery.pk]))
    assert response.status_code == 302
    assert Delivery.objects.filter(replay_of=delivery, status="succeeded").count() == 1
    assert len(receiver.requests) == 2
    assert '<span class="badge">replay</span>' in carol.get(detail).content.decode()


def test_the_log_pages_in_place(integrators, make_subscription, receiver, login):
    subscription = make_subscription(receiver.url, ["customer.created"])
    Delivery.objects.bulk_create([Delivery(subscription=subscription, event_type="customer.created",
                                           event_payload={"id": n}) for n in range(30)])
    carol = login(integrators.carol)
    detail = reverse("webhooks:detail", args=[subscription.pk])
    page = carol.get(detail).content.decode()
    assert "Next page" in page
    cursor = page.split("cursor=")[1].split('"')[0].split("&")[0]
    fragment = carol.get(f"{detail}?cursor={cursor}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = fragment.content.decode()
    assert fragment.status_code == 200 and html.lstrip().startswith('<div id="results">')
    assert html.count("customer.created</code>") == 5
    assert "Next page" not in html
    broken = carol.get(f"{detail}?cursor=nonsense").content.decode()
    assert "This page link is no longer valid" in broken


def test_only_those_who_configure_webhooks_see_the_pages(integrators, make_subscription, receiver, client):
    subscription = make_subscription(receiver.url, ["customer.created"])
    delivery = Delivery.objects.create(subscription=subscription, event_type="customer.created",
                                       event_payload={"id": 1}, request_body="{}")
    pages = [LIST, NEW, reverse("webhooks:detail", args=[subscription.pk]),
             reverse("webhooks:edit", args=[subscription.pk])]

    def sees(user) -> bool:
        client.force_login(user)
        statuses = {client.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code for url in pages}
        statuses.add(client.post(reverse("webhooks:replay", args=[delivery.pk])).status_code)
        statuses.add(client.post(reverse("webhooks:test", args=[subscription.pk])).status_code)
        assert statuses in ({200, 302}, {403}), statuses
        return statuses != {403}

    assert_matrix(integrators, sees, ONLY_INTEGRATORS)
    client.force_login(integrators.alice)
    refused = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Configure webhooks" in refused and subscription.secret not in refused
    client.force_login(integrators.carol)
    assert client.get(reverse("webhooks:detail", args=[10**9])).status_code == 404
    client.logout()
    assert client.get(LIST).status_code == 302


def test_the_pages_speak_chinese(integrators, make_subscription, receiver, client):
    subscription = make_subscription(receiver.url, ["customer.created"])
    integrators.carol.language = "zh-hans"
    integrators.carol.save(update_fields=["language"])
    client.force_login(integrators.carol)
    page = client.get(reverse("webhooks:detail", args=[subscription.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "推送记录" in html and "发送测试事件" in html and "签名密钥" in html
