"""Subscriptions: who may configure them, what a valid one is (refused input writes nothing), the audit
trail (never the secret), a new secret, and the routes following every change at once."""

from __future__ import annotations

import pytest
from django.utils import translation

from guanxi.automation.webhooks import services
from guanxi.automation.webhooks.dispatch import subscribers_of
from guanxi.automation.webhooks.models import Subscription
from guanxi.automation.webhooks.signing import SECRET_PREFIX
from guanxi.core.errors import DomainError, Forbidden
from guanxi.core.models import AuditEvent
from guanxi.core.testing import assert_matrix

pytestmark = pytest.mark.django_db

VALID = {"name": "ERP 同步", "target_url": "https://erp.example.cn/hooks/guanxi", "event_types": ["customer.created"]}


def create(actor, **changes):
    return services.subscription_create(actor=actor, data={**VALID, **changes})


def refused(actor, **changes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        create(actor, **changes)
    assert not Subscription.objects.exists()
    return caught.value


def test_only_those_who_configure_webhooks_may_create_them(integrators, customer_resource):
    def may_create(user) -> bool:
        try:
            create(user, name=f"由 {user.username} 创建")
        except Forbidden:
            return False
        return True

    assert_matrix(integrators, may_create, {"alice": False, "bob": False, "carol": True, "dave": False,
                                            "erin": False, "root": True})


def test_a_new_subscription_gets_a_secret_and_is_audited_without_it(integrators, customer_resource):
    subscription = create(integrators.carol)
    assert subscription.secret.startswith(SECRET_PREFIX) and len(subscription.secret) > 40
    assert subscription.created_by == integrators.carol
    event = AuditEvent.objects.get(action="webhook.created")
    assert event.changes["target_url"] == [None, VALID["target_url"]]
    assert subscription.secret not in str(event.changes) + str(event.extra)


@pytest.mark.parametrize("url", [
    "ftp://erp.example.cn/hooks", "javascript:alert(1)", "erp.example.cn/hooks", "https://", "http://exa mple.cn/",
    "https://erp.example.cn:99999/hooks", "<script>alert(1)</script>", "", "   ", "https://x.cn/" + "a" * 500,
])
def test_only_http_and_https_urls_with_a_host_are_accepted(integrators, customer_resource, url):
    error = refused(integrators.carol, target_url=url)
    assert error.code == "invalid"
    assert list(error.errors) == ["target_url"]


@pytest.mark.parametrize(("event_types", "message"), [
    ([], "Choose at least one event to send."),
    (["customer.exploded"], "These events cannot be subscribed to: customer.exploded"),
    (["pipeline.created"], "These events cannot be subscribed to: pipeline.created"),
    ("customer.created", "Choose the events to send."),
    ([1, 2], "Choose the events to send."),
])
def test_events_must_be_offered_ones(integrators, customer_resource, event_types, message):
    error = refused(integrators.carol, event_types=event_types)
    assert error.errors == {"event_types": [message]}


def test_a_name_is_required_and_bounded(integrators, customer_resource):
    assert refused(integrators.carol, name="  ").errors == {"name": ["Give the webhook a name."]}
    assert refused(integrators.carol, name="名" * 81).errors == {"name": ["At most 80 characters."]}
    with pytest.raises(DomainError):
        services.subscription_create(actor=integrators.carol, data={**VALID, "secret": "mine"})


def test_all_events_stands_alone_and_duplicates_collapse(integrators, customer_resource):
    assert create(integrators.carol, event_types=["customer.created", "*"]).event_types == ["*"]
    assert create(integrators.carol, name="二", event_types=["customer.updated", "customer.updated"]
                  ).event_types == ["customer.updated"]


def test_errors_speak_chinese(integrators, customer_resource):
    with translation.override("zh-hans"):
        error = refused(integrators.carol, target_url="ftp://x", event_types=[])
        assert "http://" in error.errors["target_url"][0] and error.errors["target_url"][0] != (
            "Enter a full web address starting with http:// or https://, e.g. https://example.com/hooks.")
        assert error.errors["event_types"] == ["请至少选择一个要推送的事件。"]


def test_an_update_changes_the_routes_at_once_and_keeps_events_no_longer_offered(integrators, customer_resource):
    subscription = create(integrators.carol)
    assert subscribers_of("customer.created") == [subscription.pk]
    services.subscription_update(actor=integrators.carol, subscription=subscription, data={"is_active": False})
    assert subscribers_of("customer.created") == []

    Subscription.objects.filter(pk=subscription.pk).update(event_types=["customer.created", "lead.created"])
    subscription.refresh_from_db()
    services.subscription_update(actor=integrators.carol, subscription=subscription,
                                 data={"name": "ERP 同步（新）", "is_active": True})
    subscription.refresh_from_db()
    assert (subscription.name, subscription.is_active) == ("ERP 同步（新）", True)
    assert subscribers_of("customer.created") == [subscription.pk]
    last_update = AuditEvent.objects.filter(action="webhook.updated").order_by("id").last()
    assert last_update is not None
    assert last_update.changes == {"name": ["ERP 同步", "ERP 同步（新）"], "is_active": [False, True]}


def test_a_refused_update_changes_nothing(integrators, customer_resource):
    subscription = create(integrators.carol)
    with pytest.raises(DomainError):
        services.subscription_update(actor=integrators.carol, subscription=subscription,
                                     data={"target_url": "gopher://x", "name": "改名"})
    assert subscription.name == "ERP 同步"
    subscription.refresh_from_db()
    assert (subscription.name, subscription.target_url) == ("ERP 同步", VALID["target_url"])


def test_a_new_secret_replaces_the_old(integrators, customer_resource):
    subscription = create(integrators.carol)
    old = subscription.secret
    services.subscription_regenerate_secret(actor=integrators.carol, subscription=subscription)
    subscription.refresh_from_db()
    assert subscription.secret != old and subscription.secret.startswith(SECRET_PREFIX)
    assert AuditEvent.objects.filter(action="webhook.secret_regenerated").count() == 1
    with pytest.raises(Forbidden):
        services.subscription_regenerate_secret(actor=integrators.alice, subscription=subscription)


def test_deleting_a_subscription_stops_its_deliveries(integrators, customer_resource):
    subscription = create(integrators.carol)
    services.subscription_delete(actor=integrators.carol, subscription=subscription)
    assert not Subscription.objects.exists()
    assert subscribers_of("customer.created") == []
    assert AuditEvent.objects.filter(action="webhook.deleted").exists()
