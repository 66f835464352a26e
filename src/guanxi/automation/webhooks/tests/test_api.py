"""API: subscriptions (the secret only on create and renewal), bad input answered with {code, message,
errors} and nothing written, the delivery log by cursor, a test event, replays, and who may do any of it."""

from __future__ import annotations

import json

import pytest

from guanxi.automation.webhooks.models import Delivery, Subscription
from guanxi.core.testing import assert_matrix

pytestmark = pytest.mark.django_db

ONLY_INTEGRATORS = {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True}


def send(client, method: str, url: str, body=None):
    return getattr(client, method)(url, json.dumps(body) if body is not None else None,
                                   content_type="application/json")


def new_webhook(client, url: str, **changes):
    body = {"name": "ERP 同步", "target_url": url, "event_types": ["customer.created"], **changes}
    return send(client, "post", "/api/v1/webhooks", body)


def test_create_read_update_delete(integrators, customer_resource, receiver, api):
    client = api(integrators.carol)

    created = new_webhook(client, receiver.url)
    assert created.status_code == 201
    data = created.json()
    subscription = Subscription.objects.get()
    assert data["secret"] == subscription.secret
    assert (data["name"], data["event_types"], data["is_active"]) == ("ERP 同步", ["customer.created"], True)
    assert data["created_by"]["username"] == "carol"

    url = f"/api/v1/webhooks/{subscription.pk}"
    read = client.get(url).json()
    assert "secret" not in read and read["target_url"] == receiver.url
    assert [w["id"] for w in client.get("/api/v1/webhooks").json()] == [subscription.pk]

    changed = send(client, "patch", url, {"event_types": ["*"], "is_active": False})
    assert changed.status_code == 200
    assert (changed.json()["event_types"], changed.json()["is_active"], changed.json()["name"]) == (
        ["*"], False, "ERP 同步")

    renewed = client.post(f"{url}/secret")
    assert renewed.status_code == 200 and renewed.json()["secret"] != data["secret"]

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert not Subscription.objects.exists()


def test_event_types_lists_all_and_the_registered_events(integrators, customer_resource, api):
    types = api(integrators.carol).get("/api/v1/webhook-event-types").json()
    assert types[0] == {"event_type": "*", "label": "All events"}
    assert {"event_type": "customer.created", "label": "Customer · created"} in types


@pytest.mark.parametrize(("changes", "field"), [
    ({"target_url": "ftp://erp.example.cn/hooks"}, "target_url"),
    ({"target_url": "file:///etc/passwd"}, "target_url"),
    ({"event_types": ["customer.exploded"]}, "event_types"),
    ({"event_types": []}, "event_types"),
    ({"name": ""}, "name"),
    ({"name": "<b>" + "长" * 100 + "</b>"}, "name"),
])
def test_bad_input_is_a_clear_400_and_writes_nothing(integrators, customer_resource, receiver, api, changes,
                                                     field):
    response = new_webhook(api(integrators.carol), receiver.url, **changes)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "Please correct the errors below."
    assert list(body["errors"]) == [field]
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("body", [
    {"name": "x", "target_url": "https://a.cn/", "event_types": "customer.created"},
    {"name": "x", "target_url": "https://a.cn/", "event_types": ["*"], "secret": "chosen"},
    {"name": None, "target_url": "https://a.cn/", "event_types": ["*"]},
    {"name": "x\x00", "target_url": "https://a.cn/", "event_types": ["*"]},
])
def test_wrong_shapes_are_a_422(integrators, customer_resource, api, body):
    response = send(api(integrators.carol), "post", "/api/v1/webhooks", body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert not Subscription.objects.exists()


def test_a_bad_patch_changes_nothing(integrators, customer_resource, receiver, api):
    client = api(integrators.carol)
    webhook = new_webhook(client, receiver.url).json()
    response = send(client, "patch", f"/api/v1/webhooks/{webhook['id']}",
                    {"name": "改名", "target_url": "mailto:it@example.cn"})
    assert response.status_code == 400 and "target_url" in response.json()["errors"]
    assert Subscription.objects.get().name == "ERP 同步"


def test_errors_are_in_the_readers_language(integrators, customer_resource, receiver, api):
    integrators.carol.language = "zh-hans"
    integrators.carol.save(update_fields=["language"])
    response = new_webhook(api(integrators.carol), receiver.url, event_types=[])
    assert response.status_code == 400
    assert response.json()["errors"]["event_types"] == ["请至少选择一个要推送的事件。"]


def test_test_event_log_paging_and_replay(integrators, customer_resource, receiver, api,
                                          django_capture_on_commit_callbacks):
    client = api(integrators.carol)
    webhook = new_webhook(client, receiver.url).json()
    base = f"/api/v1/webhooks/{webhook['id']}"
    receiver.answer(503)
    for _n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            queued = client.post(f"{base}/test")
        assert queued.status_code == 202 and queued.json()["event_type"] == "webhook.test"

    first = client.get(f"{base}/deliveries?limit=2").json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(f"{base}/deliveries?limit=2&cursor={first['next_cursor']}").json()
    assert rest["next_cursor"] is None
    log = [*first["items"], *rest["items"]]
    assert [d["id"] for d in log] == sorted((d["id"] for d in log), reverse=True)
    oldest = log[-1]
    assert (oldest["status"], oldest["last_status_code"], oldest["attempts"]) == ("pending", 503, 1)
    assert oldest["response_excerpt"] == "refused with 503"
    assert json.loads(oldest["request_body"])["event"] == "webhook.test"

    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(f"/api/v1/webhook-deliveries/{oldest['id']}/replay")
    assert replayed.status_code == 202
    replay = Delivery.objects.get(pk=replayed.json()["id"])
    assert (replay.status, replay.replay_of_id, replay.request_body) == ("succeeded", oldest["id"],
                                                                         oldest["request_body"])
    assert receiver.requests[-1].body.decode() == oldest["request_body"]
    assert client.get(f"{base}/deliveries?cursor=nonsense").status_code == 400


def test_a_delivery_not_yet_sent_cannot_be_replayed(integrators, customer_resource, receiver, api,
                                                    django_capture_on_commit_callbacks):
    client = api(integrators.carol)
    webhook = new_webhook(client, receiver.url).json()
    delivery = Delivery.objects.create(subscription_id=webhook["id"], event_type="customer.created",
                                       event_payload={"id": 1})
    response = client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay")
    assert response.status_code == 400 and response.json()["code"] == "not_sent"
    assert client.post("/api/v1/webhook-deliveries/999999/replay").status_code == 404


def test_only_those_who_configure_webhooks_reach_the_api(integrators, customer_resource, receiver, api):
    webhook = new_webhook(api(integrators.carol), receiver.url).json()
    delivery = Delivery.objects.create(subscription_id=webhook["id"], event_type="customer.created",
                                       event_payload={"id": 1}, request_body="{}")
    calls = [
        ("get", "/api/v1/webhooks", None, 200),
        ("get", "/api/v1/webhook-event-types", None, 200),
        ("get", f"/api/v1/webhooks/{webhook['id']}", None, 200),
        ("get", f"/api/v1/webhooks/{webhook['id']}/deliveries", None, 200),
        ("patch", f"/api/v1/webhooks/{webhook['id']}", {"name": "改"}, 200),
        ("post", f"/api/v1/webhooks/{webhook['id']}/secret", None, 200),
    ]

    def reaches(user) -> bool:
        client = api(user)
        answers = {send(client, m, url, body).status_code for m, url, body, _ok in calls}
        answers.add(client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay").status_code)
        answers.add(new_webhook(client, "https://b.example.cn/").status_code)
        assert answers in ({200, 202, 201}, {403}), answers
        return answers != {403}

    assert_matrix(integrators, reaches, ONLY_INTEGRATORS)
    assert api(integrators.alice).get("/api/v1/webhooks").json()["code"] == "forbidden"
