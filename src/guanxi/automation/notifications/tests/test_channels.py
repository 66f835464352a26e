"""Group robots and URLs, against a real HTTP server on 127.0.0.1: each format as its receiver expects
it, the DingTalk, Feishu and URL signatures recomputed here, and failures retried, then logged as failed
without touching the caller's saved work."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction

from guanxi.automation.notifications import services
from guanxi.automation.notifications.choices import ChannelKind, DeliveryStatus
from guanxi.automation.notifications.delivering import MAX_ATTEMPTS
from guanxi.automation.notifications.models import Delivery, Notification, Preference

from .conftest import DUE, free_port, run_scheduled_retries

BASE = "https://crm.example.com"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.GUANXI_BASE_URL = BASE


def _robot(owner, kind, url, secret=""):
    channel = services.channel_create(actor=owner, data={"kind": kind, "name": "销售一部群", "url": url,
                                                         "secret": secret})
    services.preferences_save(actor=owner, choices={DUE: ["app", channel.key]})
    return channel


def _notify(capture, recipient, **extra):
    with capture(execute=True):
        return services.notify(recipients=[recipient], kind=DUE, title="跟进 %(name)s 到期",
                               body="约好今天回电，讨论报价。", params={"name": "杭州云栖科技"}, url="/customers/7/",
                               **extra)


def test_wecom_gets_markdown_with_the_title_body_and_an_absolute_link(people, kinds, receiver,
                                                                      django_capture_on_commit_callbacks):
    robot = _robot(people.alice, ChannelKind.WECOM, receiver.url("/wecom?key=abc"))
    _notify(django_capture_on_commit_callbacks, people.alice)
    [sent] = receiver.requests
    assert sent.path == "/wecom?key=abc"
    assert sent.headers["Content-Type"].startswith("application/json")
    assert sent.json() == {"msgtype": "markdown", "markdown": {
        "content": f"**跟进 杭州云栖科技 到期**\n约好今天回电，讨论报价。\n[查看 / View]({BASE}/customers/7/)"}}
    delivery = Delivery.objects.get(target=robot)
    assert (delivery.status, delivery.attempts, delivery.status_code) == (DeliveryStatus.SENT, 1, 200)
    assert delivery.finished_at is not None


def test_dingtalk_is_signed_with_timestamp_and_sign_in_the_query(people, kinds, receiver,
                                                                 django_capture_on_commit_callbacks):
    secret = "SECdingtalk0123456789"
    _robot(people.alice, ChannelKind.DINGTALK, receiver.url("/robot/send?access_token=tok"), secret)
    _notify(django_capture_on_commit_callbacks, people.alice)
    [sent] = receiver.requests
    query = parse_qs(urlsplit(sent.path).query)
    assert query["access_token"] == ["tok"]
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert sent.json() == {"msgtype": "markdown", "markdown": {
        "title": "跟进 杭州云栖科技 到期",
        "text": f"#### 跟进 杭州云栖科技 到期\n\n约好今天回电，讨论报价。\n\n[查看 / View]({BASE}/customers/7/)"}}


def test_dingtalk_without_a_secret_is_not_signed(people, kinds, receiver, django_capture_on_commit_callbacks):
    _robot(people.alice, ChannelKind.DINGTALK, receiver.url("/robot/send?access_token=tok"))
    _notify(django_capture_on_commit_callbacks, people.alice)
    [sent] = receiver.requests
    assert set(parse_qs(urlsplit(sent.path).query)) == {"access_token"}


@pytest.mark.parametrize("who,locale", [("bob", "zh_cn"), ("alice", "en_us")])
def test_feishu_gets_a_signed_post_in_the_recipients_language(people, kinds, receiver, who, locale,
                                                              django_capture_on_commit_callbacks):
    secret = "feishu-secret"
    recipient = getattr(people, who)
    _robot(recipient, ChannelKind.FEISHU, receiver.url("/open-apis/bot/v2/hook/x"), secret)
    _notify(django_capture_on_commit_callbacks, recipient)
    [sent] = receiver.requests
    body = sent.json()
    expected = base64.b64encode(hmac.new(f"{body['timestamp']}\n{secret}".encode(), b"",
                                         hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert body["timestamp"].isdigit()
    assert body["msg_type"] == "post"
    assert body["content"] == {"post": {locale: {"title": "跟进 杭州云栖科技 到期", "content": [
        [{"tag": "text", "text": "约好今天回电，讨论报价。"}],
        [{"tag": "a", "text": "查看 / View", "href": f"{BASE}/customers/7/"}]]}}}
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_url_gets_the_notification_as_json_signed_over_its_raw_body(people, kinds, receiver, make_customer,
                                                                      django_capture_on_commit_callbacks):
    secret = "url-secret"
    customer = make_customer(people.alice)
    _robot(people.alice, ChannelKind.URL, receiver.url("/guanxi-events"), secret)
    _notify(django_capture_on_commit_callbacks, people.alice, record=customer)
    [sent] = receiver.requests
    expected = "sha256=" + hmac.new(secret.encode(), sent.body, hashlib.sha256).hexdigest()
    assert sent.headers["X-Guanxi-Signature"] == expected
    payload = json.loads(sent.body)
    assert payload["kind"] == DUE
    assert payload["title"] == "跟进 杭州云栖科技 到期"
    assert payload["body"] == "约好今天回电，讨论报价。"
    assert payload["url"] == f"{BASE}/customers/7/"
    assert payload["record"] == {"type": "customers.customer", "id": customer.pk}
    assert payload["created_at"] == Notification.objects.get().created_at.isoformat()


def test_a_url_without_a_secret_is_sent_unsigned_and_with_no_record(people, kinds, receiver,
                                                                    django_capture_on_commit_callbacks):
    receiver.answer("/plain", 204, b"")
    _robot(people.alice, ChannelKind.URL, receiver.url("/plain"))
    _notify(django_capture_on_commit_callbacks, people.alice)
    [sent] = receiver.requests
    assert "X-Guanxi-Signature" not in sent.headers
    assert sent.json()["record"] is None
    assert (Delivery.objects.get().status, Delivery.objects.get().status_code) == (DeliveryStatus.SENT, 204)


def test_a_link_to_another_site_is_replaced_by_the_notification_centre(people, kinds, receiver,
                                                                       django_capture_on_commit_callbacks):
    _robot(people.alice, ChannelKind.URL, receiver.url("/u"))
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[people.alice], kind=DUE, title="x", url="https://evil.example/phish")
    assert receiver.requests[0].json()["url"] == f"{BASE}/notifications/"


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_retried_then_logged_as_failed_and_the_callers_work_stays(people, kinds, receiver):
    # given a robot that answers 500
    receiver.answer("/wecom", 500, "internal error: robot overloaded")
    robot = _robot(people.alice, ChannelKind.WECOM, receiver.url("/wecom"))
    # when the caller saves its own work and notifies in one transaction
    with transaction.atomic():
        Preference.objects.create(user=people.bob, kind=DUE, channels=["app"])
        services.notify(recipients=[people.alice], kind=DUE, title="跟进到期")
    # then the first attempt ran after the commit and failed; the worker tries again later
    delivery = Delivery.objects.get(target=robot)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert run_scheduled_retries() == MAX_ATTEMPTS - 1
    delivery.refresh_from_db()
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert (delivery.status, delivery.attempts, delivery.status_code) == (DeliveryStatus.FAILED, MAX_ATTEMPTS, 500)
    assert "robot overloaded" in delivery.detail
    # and what the caller saved is committed, the in-app notification with it
    assert Preference.objects.filter(user=people.bob, kind=DUE).exists()
    assert Notification.objects.filter(recipient=people.alice, kind=DUE).exists()


def test_a_robot_that_refuses_the_message_in_its_answer_fails_it(people, kinds, receiver,
                                                                  django_capture_on_commit_callbacks):
    receiver.answer("/robot/send", 200, '{"errcode":310000,"errmsg":"sign not match"}')
    _robot(people.alice, ChannelKind.DINGTALK, receiver.url("/robot/send?access_token=t"), "wrong")
    _notify(django_capture_on_commit_callbacks, people.alice)
    run_scheduled_retries()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "sign not match" in delivery.detail


def test_a_malformed_request_answer_is_not_retried(people, kinds, receiver, django_capture_on_commit_callbacks):
    receiver.answer("/u", 400, "bad payload")
    _robot(people.alice, ChannelKind.URL, receiver.url("/u"))
    _notify(django_capture_on_commit_callbacks, people.alice)
    assert run_scheduled_retries() == 0
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.status_code) == (DeliveryStatus.FAILED, 1, 400)
    assert len(receiver.requests) == 1


def test_a_receiver_that_cannot_be_reached_is_retried_then_failed(people, kinds, django_capture_on_commit_callbacks):
    _robot(people.alice, ChannelKind.URL, f"http://127.0.0.1:{free_port()}/nobody-listens")
    _notify(django_capture_on_commit_callbacks, people.alice)
    run_scheduled_retries()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.status_code) == (DeliveryStatus.FAILED, MAX_ATTEMPTS, None)
    assert "ConnectError" in delivery.detail


def test_a_sent_delivery_is_never_sent_again(people, kinds, receiver, django_capture_on_commit_callbacks):
    from guanxi.automation.notifications.delivering import delivery_attempt

    _robot(people.alice, ChannelKind.WECOM, receiver.url("/wecom"))
    _notify(django_capture_on_commit_callbacks, people.alice)
    delivery_attempt(Delivery.objects.get().pk)
    assert len(receiver.requests) == 1


def test_the_test_button_sends_to_that_channel_only(people, kinds, receiver, django_capture_on_commit_callbacks):
    first = _robot(people.alice, ChannelKind.WECOM, receiver.url("/first"))
    _robot(people.alice, ChannelKind.WECOM, receiver.url("/second"))
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.channel_send_test(actor=people.alice, channel=first)
    assert [r.path for r in receiver.requests] == ["/first"]
    content = receiver.requests[0].json()["markdown"]["content"]
    assert content.startswith("**Test message from Guanxi**") and "“销售一部群” works" in content
    delivery.refresh_from_db()
    assert (delivery.kind, delivery.status) == ("notifications.test", DeliveryStatus.SENT)
    assert not Notification.objects.exists()


def test_a_channel_turned_off_before_sending_is_skipped(people, kinds, receiver):
    from guanxi.automation.notifications.delivering import delivery_attempt

    robot = _robot(people.alice, ChannelKind.WECOM, receiver.url("/wecom"))
    services.notify(recipients=[people.alice], kind=DUE, title="x")
    services.channel_update(actor=people.alice, channel=robot, data={"is_active": False})
    delivery_attempt(Delivery.objects.get().pk)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.detail) == (DeliveryStatus.SKIPPED, "The channel is turned off.")
    assert receiver.requests == []
