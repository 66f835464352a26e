"""REST API: my notifications (paged, unread only), marking read, the unread count, preferences, my
channels and their test message; bad input answers 4xx with code and message, others' rows 404."""

from __future__ import annotations

import pytest

from guanxi.automation.notifications import services
from guanxi.automation.notifications.choices import DeliveryStatus
from guanxi.automation.notifications.models import Channel, Notification, Preference

from .conftest import APPROVED, DUE

API = "/api/v1"


def _tell(user, n=1, **extra):
    return [note for i in range(n)
            for note in services.notify(recipients=[user], kind=DUE, title=f"跟进 {i}", url="/customers/1/", **extra)]


def _error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"]
    return body


def test_list_my_notifications_page_by_cursor(people, kinds, api, make_customer):
    customer = make_customer(people.alice)
    _tell(people.alice, 3, record=customer, actor=people.carol)
    _tell(people.bob)
    client = api(people.alice)
    first = client.get(f"{API}/notifications?limit=2").json()
    assert [n["title"] for n in first["items"]] == ["跟进 2", "跟进 1"]
    item = first["items"][0]
    assert item["record"] == {"type": "customers.customer", "id": customer.pk}
    assert (item["actor"], item["kind"], item["kind_label"], item["is_read"]) == ("陈经理", DUE, "Follow-up due", False)
    second = client.get(f"{API}/notifications", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [n["title"] for n in second["items"]] == ["跟进 0"] and second["next_cursor"] is None


def test_unread_only_and_the_unread_count(people, kinds, api):
    notes = _tell(people.alice, 3)
    client = api(people.alice)
    assert client.get(f"{API}/notifications/unread-count").json() == {"count": 3}
    response = client.post(f"{API}/notifications/{notes[0].pk}/read")
    assert response.status_code == 200 and response.json()["is_read"] and response.json()["read_at"]
    assert client.get(f"{API}/notifications/unread-count").json() == {"count": 2}
    unread = client.get(f"{API}/notifications?unread=true").json()["items"]
    assert [n["id"] for n in unread] == [notes[2].pk, notes[1].pk]
    assert client.post(f"{API}/notifications/read-all").json() == {"count": 2}
    assert client.get(f"{API}/notifications/unread-count").json() == {"count": 0}


def test_others_notifications_answer_404(people, kinds, api):
    note = _tell(people.alice)[0]
    client = api(people.bob)
    _error(client.post(f"{API}/notifications/{note.pk}/read"), 404, "not_found")
    _error(client.post(f"{API}/notifications/999999999/read"), 404, "not_found")
    assert client.get(f"{API}/notifications").json()["items"] == []
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_bad_paging_and_ids_are_refused(people, kinds, api):
    client = api(people.alice)
    _error(client.get(f"{API}/notifications?cursor=nonsense"), 400, "invalid_cursor")
    _error(client.get(f"{API}/notifications?limit=0"), 422, "invalid")
    _error(client.post(f"{API}/notifications/0/read"), 422, "invalid")
    _error(client.get(f"{API}/notifications?unread=maybe"), 422, "invalid")


def test_signed_out_clients_get_401(db):
    from django.test import Client

    _error(Client().get(f"{API}/notifications"), 401, "unauthenticated")


def test_preferences_are_read_and_set(people, kinds, api):
    robot = services.channel_create(actor=people.alice, data={"kind": "dingtalk", "name": "钉钉群",
                                                              "url": "https://oapi.dingtalk.com/robot/send"})
    client = api(people.alice)
    body = client.get(f"{API}/notifications/preferences").json()
    assert body["channels"] == [{"key": "app", "label": "In the app"}, {"key": "email", "label": "Email"},
                                {"key": robot.key, "label": "钉钉群"}]
    kinds_ = {k["kind"]: k for k in body["kinds"]}
    assert "notifications.test" not in kinds_
    assert kinds_[APPROVED] == {"kind": APPROVED, "label": "Quote approved", "description": "",
                                "channels": ["app", "email"], "is_default": True}
    response = client.put(f"{API}/notifications/preferences", {"preferences": [
        {"kind": DUE, "channels": [robot.key, "email", "email"]}]}, content_type="application/json")
    assert response.status_code == 200
    kinds_ = {k["kind"]: k for k in response.json()["kinds"]}
    assert kinds_[DUE]["channels"] == ["email", robot.key] and not kinds_[DUE]["is_default"]
    assert kinds_[APPROVED]["is_default"]


def test_bad_preferences_are_refused_with_the_kind_named(people, kinds, api):
    bobs = services.channel_create(actor=people.bob, data={"kind": "url", "name": "b", "url": "https://b.example/"})
    client = api(people.alice)
    body = _error(client.put(f"{API}/notifications/preferences", {"preferences": [
        {"kind": DUE, "channels": [bobs.key]}, {"kind": "tests.unknown", "channels": []}]},
        content_type="application/json"), 400, "invalid")
    assert set(body["errors"]) == {DUE, "tests.unknown"}
    _error(client.put(f"{API}/notifications/preferences", {"preferences": [{"kind": DUE, "channels": "app"}]},
                      content_type="application/json"), 422, "invalid")
    _error(client.put(f"{API}/notifications/preferences", {"preferences": [], "extra": 1},
                      content_type="application/json"), 422, "invalid")
    _error(client.put(f"{API}/notifications/preferences", "{not json", content_type="application/json"),
           400, "invalid_body")
    assert not Preference.objects.exists()


def test_channels_are_created_read_changed_and_deleted(people, api):
    client = api(people.alice)
    response = client.post(f"{API}/notification-channels", {"kind": "wecom", "name": "企微群",
                                                            "url": "https://qyapi.weixin.qq.com/x", "secret": "k"},
                           content_type="application/json")
    assert response.status_code == 201
    created = response.json()
    assert (created["kind"], created["has_secret"], created["is_active"]) == ("wecom", True, True)
    assert "secret" not in created and created["key"] == f"channel:{created['id']}"
    one = f"{API}/notification-channels/{created['id']}"
    assert client.get(one).json()["name"] == "企微群"
    changed = client.patch(one, {"name": "企微大群", "secret": ""}, content_type="application/json").json()
    assert (changed["name"], changed["has_secret"], changed["url"]) == ("企微大群", False,
                                                                       "https://qyapi.weixin.qq.com/x")
    assert [c["id"] for c in client.get(f"{API}/notification-channels").json()] == [created["id"]]
    assert client.delete(one).status_code == 204
    assert not Channel.objects.exists()
    _error(client.get(one), 404, "not_found")


@pytest.mark.parametrize("payload,field", [
    ({"kind": "wecom", "name": "x", "url": "ftp://files.example/"}, "url"),
    ({"kind": "wecom", "name": "x", "url": "javascript:alert(1)"}, "url"),
    ({"kind": "wecom", "name": "   ", "url": "https://a.example/"}, "name"),
])
def test_a_bad_channel_is_refused_with_field_errors(people, api, payload, field):
    body = _error(api(people.alice).post(f"{API}/notification-channels", payload, content_type="application/json"),
                  400, "invalid")
    assert field in body["errors"]
    assert not Channel.objects.exists()


@pytest.mark.parametrize("payload", [
    {"kind": "sms", "name": "x", "url": "https://a.example/"},
    {"kind": "url", "name": "x" * 81, "url": "https://a.example/"},
    {"kind": "url", "name": "x", "url": "https://a.example/", "owner_id": 1},
    {"kind": "url", "name": "x\x00", "url": "https://a.example/"},
    {"kind": "url", "name": "x"},
])
def test_a_malformed_channel_is_refused_before_the_service(people, api, payload):
    _error(api(people.alice).post(f"{API}/notification-channels", payload, content_type="application/json"),
           422, "invalid")
    assert not Channel.objects.exists()


def test_others_channels_answer_404(people, api):
    channel = services.channel_create(actor=people.alice, data={"kind": "url", "name": "a",
                                                                "url": "https://a.example/"})
    client = api(people.bob)
    one = f"{API}/notification-channels/{channel.pk}"
    _error(client.get(one), 404, "not_found")
    _error(client.patch(one, {"name": "mine"}, content_type="application/json"), 404, "not_found")
    _error(client.delete(one), 404, "not_found")
    _error(client.post(f"{one}/test"), 404, "not_found")
    assert client.get(f"{API}/notification-channels").json() == []
    channel.refresh_from_db()
    assert channel.name == "a"


def test_a_test_message_is_queued_to_the_channel_and_its_delivery_listed(people, api, receiver,
                                                                         django_capture_on_commit_callbacks):
    channel = services.channel_create(actor=people.alice, data={"kind": "url", "name": "我的接口",
                                                                "url": receiver.url("/in")})
    client = api(people.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/notification-channels/{channel.pk}/test")
    assert response.status_code == 202
    queued = response.json()
    assert (queued["channel"], queued["kind"], queued["status"]) == (channel.key, "notifications.test", "pending")
    assert receiver.requests[0].json()["kind"] == "notifications.test"
    [listed] = client.get(f"{API}/notification-deliveries").json()["items"]
    assert (listed["id"], listed["status"], listed["status_code"]) == (queued["id"], DeliveryStatus.SENT, 200)
    assert api(people.bob).get(f"{API}/notification-deliveries").json()["items"] == []
