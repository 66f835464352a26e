"""notify(): who gets what, in which language, through which channels, and at what cost; marking read;
preferences and channels a person keeps for themselves."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from guanxi.automation.notifications import services
from guanxi.automation.notifications.choices import ChannelKind, DeliveryStatus
from guanxi.automation.notifications.models import Delivery, Notification, Preference
from guanxi.automation.notifications.registry import (
    notification_kind,
    notification_kinds,
    register_notification_kind,
)
from guanxi.core.errors import DomainError, NotFound

from .conftest import APPROVED, DUE


def _channel(owner, url="http://127.0.0.1:9/hook", kind=ChannelKind.URL, **data):
    return services.channel_create(actor=owner, data={"kind": kind, "name": "销售群", "url": url, **data})


def test_each_recipient_reads_the_notification_in_their_own_language(people, kinds):
    # given alice reads English, bob Chinese; the parameter is itself a translatable text
    # when
    notes = services.notify(recipients=[people.alice, people.bob], kind=DUE, title=services.TEST_TITLE,
                            body=services.TEST_BODY, params={"name": ChannelKind.WECOM.label})
    # then
    by_user = {n.recipient_id: n for n in notes}
    assert by_user[people.alice.pk].title == "Test message from Guanxi"
    assert by_user[people.alice.pk].body == "If you can read this, the channel “WeCom group robot” works."
    assert by_user[people.bob.pk].title == "来自关系的测试消息"
    assert "企业微信群机器人" in by_user[people.bob.pk].body and "works" not in by_user[people.bob.pk].body


def test_without_a_language_of_their_own_a_person_reads_the_sites(people, kinds):
    [note] = services.notify(recipients=[people.carol], kind=DUE, title=services.TEST_TITLE)
    assert note.title == "来自关系的测试消息"


def test_a_kinds_default_channels_apply_until_someone_chooses(people, kinds):
    # when
    services.notify(recipients=[people.alice], kind=DUE, title="跟进到期")
    services.notify(recipients=[people.alice], kind=APPROVED, title="报价已批准")
    # then: follow-ups only in the app; approvals in the app and by email
    assert [n.kind for n in Notification.objects.filter(recipient=people.alice).order_by("id")] == [DUE, APPROVED]
    assert list(Delivery.objects.values_list("kind", "channel")) == [(APPROVED, "email")]


def test_a_persons_choice_decides_where_a_kind_goes(people, kinds):
    # given bob wants follow-ups by email and on his robot, not in the app
    robot = _channel(people.bob)
    services.preferences_save(actor=people.bob, choices={DUE: ["email", robot.key]})
    # when
    services.notify(recipients=[people.alice, people.bob], kind=DUE, title="跟进到期", url="/customers/1/")
    # then
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [people.alice.pk]
    sent = Delivery.objects.filter(recipient=people.bob).order_by("id")
    assert [(d.channel, d.target_id, d.notification_id) for d in sent] == [("email", None, None),
                                                                           (robot.key, robot.pk, None)]
    assert all(d.status == DeliveryStatus.PENDING for d in sent)


def test_a_choice_of_nothing_silences_a_kind(people, kinds):
    services.preferences_save(actor=people.alice, choices={APPROVED: []})
    assert services.notify(recipients=[people.alice], kind=APPROVED, title="x") == []
    assert not Delivery.objects.exists()


def test_deactivated_users_and_inactive_channels_get_nothing(people, kinds):
    # given
    robot = _channel(people.bob, is_active=False)
    Preference.objects.create(user=people.bob, kind=DUE, channels=["app", robot.key])
    people.dave.is_active = False
    people.dave.save(update_fields=["is_active"])
    # when
    notes = services.notify(recipients=[people.dave, people.bob], kind=DUE, title="跟进到期")
    # then
    assert [n.recipient_id for n in notes] == [people.bob.pk]
    assert not Delivery.objects.exists()


def test_a_channel_named_in_someone_elses_preference_is_never_used(people, kinds):
    # given a preference row naming another person's channel (services refuse it; the row is forged)
    alices = _channel(people.alice)
    Preference.objects.create(user=people.bob, kind=DUE, channels=[alices.key])
    services.notify(recipients=[people.bob], kind=DUE, title="x")
    assert not Delivery.objects.exists()


def test_user_ids_are_accepted_and_each_person_is_notified_once(people, kinds):
    notes = services.notify(recipients=[people.alice.pk, people.alice, people.bob.pk], kind=DUE, title="x")
    assert sorted(n.recipient_id for n in notes) == sorted([people.alice.pk, people.bob.pk])


def test_the_record_and_the_actor_are_kept(people, kinds, make_customer):
    customer = make_customer(people.alice)
    [note] = services.notify(recipients=[people.alice], kind=DUE, title="跟进 %(name)s",
                             params={"name": customer.name}, url=f"/customers/{customer.pk}/", record=customer,
                             actor=people.carol)
    note.refresh_from_db()
    assert note.title == f"跟进 {customer.name}"
    assert note.content_type is not None
    assert (note.content_type.model, note.object_id, note.actor_id) == ("customer", customer.pk, people.carol.pk)
    assert note.read_at is None


def test_an_unknown_kind_is_a_programming_error(people):
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify(recipients=[people.alice], kind="nobody.registered_this", title="x")


def test_a_kind_is_registered_with_a_valid_key_and_built_in_defaults(db):
    with pytest.raises(ValueError):
        register_notification_kind("NoDot", label="x")
    with pytest.raises(ValueError):
        register_notification_kind("tests.robot_default", label="x", default_channels=("channel:1",))
    assert notification_kind("notifications.test") in notification_kinds()


def test_a_long_title_is_shortened_and_placeholders_a_text_lacks_do_not_break_it(people, kinds):
    [note] = services.notify(recipients=[people.alice], kind=DUE, title="长" * 300)
    assert len(note.title) == 200 and note.title.endswith("…")
    [note] = services.notify(recipients=[people.alice], kind=DUE, title="%(missing)s 到期", params={"x": 1})
    assert note.title == "%(missing)s 到期"


def _make_users(n: int):
    from guanxi.org.models import User

    return [User.objects.create_user(username=f"user{i}", password="x", language="en" if i % 2 else "zh-hans",
                                     email=f"user{i}@example.com") for i in range(n)]


def test_notifying_many_people_costs_the_same_few_queries_as_one(people, kinds):
    # given 20 people, some with choices of their own, some with robots
    users = _make_users(20)
    for user in users[:5]:
        robot = _channel(user)
        services.preferences_save(actor=user, choices={DUE: ["app", "email", robot.key]})

    def queries_for(recipients) -> int:
        with CaptureQueriesContext(connection) as captured:
            services.notify(recipients=recipients, kind=DUE, title=services.TEST_TITLE, body=services.TEST_BODY,
                            params={"name": "销售群"}, url="/customers/1/")
        return len(captured.captured_queries)

    # when
    one = queries_for(users[:1])
    twenty = queries_for(users)
    # then
    assert twenty == one
    assert twenty <= 6
    assert Notification.objects.filter(recipient__in=users).count() == 21
    assert Delivery.objects.filter(channel="email").count() == 6
    assert Delivery.objects.exclude(channel="email").count() == 6


def test_notify_of_twenty_users_stays_within_its_query_budget(people, kinds, django_assert_max_num_queries):
    users = _make_users(20)
    with django_assert_max_num_queries(6):
        notes = services.notify(recipients=users, kind=APPROVED, title="报价已批准")
    assert len(notes) == 20


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(people, kinds, receiver,
                                                                  django_capture_on_commit_callbacks):
    robot = _channel(people.alice, url=receiver.url())
    services.preferences_save(actor=people.alice, choices={DUE: ["app", robot.key]})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.notify(recipients=[people.alice], kind=DUE, title="x")
                raise RuntimeError("the caller failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert receiver.requests == []
    assert not Notification.objects.exists() and not Delivery.objects.exists()


# -- reading --


def test_marking_read_is_for_the_recipient_only(people, kinds):
    [note] = services.notify(recipients=[people.alice], kind=DUE, title="x")
    with pytest.raises(NotFound):
        services.notification_mark_read(actor=people.bob, notification=note)
    services.notification_mark_read(actor=people.alice, notification=note)
    first = Notification.objects.get(pk=note.pk).read_at
    assert first is not None
    services.notification_mark_read(actor=people.alice, notification=note)
    assert Notification.objects.get(pk=note.pk).read_at == first


def test_mark_all_read_touches_only_my_unread_ones(people, kinds):
    services.notify(recipients=[people.alice, people.bob], kind=DUE, title="x")
    services.notify(recipients=[people.alice], kind=DUE, title="y")
    assert services.notification_mark_all_read(actor=people.alice) == 2
    assert services.notification_mark_all_read(actor=people.alice) == 0
    assert Notification.objects.filter(recipient=people.bob, read_at__isnull=True).count() == 1


# -- preferences and channels --


def test_preferences_refuse_unknown_kinds_and_channels_not_mine(people, kinds):
    bobs = _channel(people.bob)
    with pytest.raises(DomainError) as refused:
        services.preferences_save(actor=people.alice, choices={DUE: ["app", bobs.key], "tests.nothing": ["app"],
                                                               APPROVED: ["sms"]})
    assert set(refused.value.errors) == {DUE, "tests.nothing", APPROVED}
    assert not Preference.objects.filter(user=people.alice).exists()


def test_choosing_a_kinds_default_again_follows_the_default(people, kinds):
    services.preferences_save(actor=people.alice, choices={DUE: ["email"]})
    assert Preference.objects.get(user=people.alice, kind=DUE).channels == ["email"]
    rows = {r.kind.key: r for r in services.preferences_save(actor=people.alice, choices={DUE: ["app"]})}
    assert not Preference.objects.filter(user=people.alice).exists()
    assert rows[DUE].is_default and rows[DUE].channels == ["app"]
    assert rows[APPROVED].channels == ["app", "email"]


def test_a_channel_is_validated_and_its_secret_never_audited(people):
    from guanxi.core.models import AuditEvent

    with pytest.raises(DomainError) as refused:
        services.channel_create(actor=people.alice, data={"kind": "sms", "name": " ", "url": "ftp://x.example/"})
    assert set(refused.value.errors) == {"kind", "name", "url"}
    channel = _channel(people.alice, secret="SEC-very-secret")
    event = AuditEvent.objects.get(action="notification_channel.created")
    assert "SEC-very-secret" not in str(event.changes) and event.changes["secret"] == [None, True]
    services.channel_update(actor=people.alice, channel=channel, data={"name": "新名字"})
    channel.refresh_from_db()
    assert (channel.name, channel.secret) == ("新名字", "SEC-very-secret")
    services.channel_update(actor=people.alice, channel=channel, data={"secret": ""})
    channel.refresh_from_db()
    assert channel.secret == ""


def test_someone_elses_channel_cannot_be_changed_deleted_or_tested(people):
    channel = _channel(people.alice)
    with pytest.raises(NotFound):
        services.channel_update(actor=people.bob, channel=channel, data={"name": "mine now"})
    with pytest.raises(NotFound):
        services.channel_delete(actor=people.bob, channel=channel)
    with pytest.raises(NotFound):
        services.channel_send_test(actor=people.bob, channel=channel)


def test_deleting_a_channel_takes_it_out_of_my_preferences(people, kinds):
    robot = _channel(people.alice)
    services.preferences_save(actor=people.alice, choices={DUE: ["app", robot.key], APPROVED: [robot.key]})
    services.channel_delete(actor=people.alice, channel=robot)
    assert dict(Preference.objects.filter(user=people.alice).values_list("kind", "channels")) == {
        DUE: ["app"], APPROVED: []}
