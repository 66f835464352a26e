"""Pages: the notification centre, following a notification, marking read, the header's bell, and the
settings page with channels; nobody reaches another person's rows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from guanxi.automation.notifications import services
from guanxi.automation.notifications.choices import DeliveryStatus
from guanxi.automation.notifications.models import Channel, Delivery, Notification, Preference

from .conftest import APPROVED, DUE

CENTRE = "/notifications/"
SETTINGS = "/notifications/settings/"
BELL = "/notifications/bell/"


def _tell(user, title="跟进到期", url="/customers/1/", n=1):
    notes = []
    for i in range(n):
        notes += services.notify(recipients=[user], kind=DUE, title=f"{title} {i}" if n > 1 else title, url=url)
    return notes


def _bell(html: str) -> str:
    match = re.search(r'<a id="notification-bell".*?</a>', html, re.S)
    assert match, "no bell in the header"
    return match.group(0)


def test_the_centre_lists_my_notifications_newest_first_with_unread_marked(people, kinds, login):
    old, new = _tell(people.alice, "旧的")[0], _tell(people.alice, "新的")[0]
    _tell(people.bob, "鲍勃的")
    services.notification_mark_read(actor=people.alice, notification=old)
    html = login(people.alice).get(CENTRE).content.decode()
    assert html.index("新的") < html.index("旧的")
    assert "鲍勃的" not in html
    row = re.search(rf'<tr id="notification-{new.pk}" class="notification is-unread">', html)
    assert row and f'<tr id="notification-{old.pk}" class="notification is-read">' in html
    assert reverse("notifications:open", args=[new.pk]) in html


def test_unread_only_leaves_out_what_i_have_read(people, kinds, login):
    old = _tell(people.alice, "旧的")[0]
    _tell(people.alice, "新的")
    services.notification_mark_read(actor=people.alice, notification=old)
    html = login(people.alice).get(CENTRE + "?unread=1").content.decode()
    assert "新的" in html and "旧的" not in html


def test_older_notifications_are_a_link_away(people, kinds, login):
    _tell(people.alice, "通知", n=35)
    client = login(people.alice)
    first = client.get(CENTRE).content.decode()
    assert "通知 34" in first and "通知 4<" not in first
    link = re.search(r'rel="next" href="([^"]+)"', first)
    assert link is not None
    older = link.group(1).replace("&amp;", "&")
    second = client.get(CENTRE + older).content.decode()
    assert "通知 4<" in second and "通知 0<" in second and "通知 34" not in second
    assert 'rel="next"' not in second
    assert client.get(CENTRE + "?cursor=garbage").status_code == 200


def test_opening_a_notification_marks_it_read_and_goes_to_its_record(people, kinds, login):
    note = _tell(people.alice, url="/customers/5/?tab=timeline")[0]
    response = login(people.alice).get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/customers/5/?tab=timeline"
    assert Notification.objects.get(pk=note.pk).read_at is not None


@pytest.mark.parametrize("url", ["https://evil.example/phish", "//evil.example/x", "/\\evil.example", "javascript:x",
                                 ""])
def test_opening_never_follows_a_link_off_this_site(people, kinds, login, url):
    note = _tell(people.alice, url=url)[0]
    response = login(people.alice).get(reverse("notifications:open", args=[note.pk]))
    assert response["Location"] == CENTRE


def test_another_persons_notification_answers_404(people, kinds, login):
    note = _tell(people.alice)[0]
    bob = login(people.bob)
    assert bob.get(reverse("notifications:open", args=[note.pk])).status_code == 404
    assert bob.post(reverse("notifications:read", args=[note.pk])).status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_mark_as_read_in_place_and_mark_all(people, kinds, login):
    first = _tell(people.alice, "一")[0]
    _tell(people.alice, "二")
    client = login(people.alice)
    fragment = client.post(reverse("notifications:read", args=[first.pk]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert html.strip().startswith(f'<tr id="notification-{first.pk}" class="notification is-read">')
    assert "<html" not in html
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "1 notification marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=people.alice, read_at__isnull=True).exists()
    assert client.get(reverse("notifications:read_all")).status_code == 405


def test_the_bell_is_in_the_header_of_every_page_and_fetches_my_unread_count(people, kinds, login):
    client = login(people.alice)
    for page in ("/", CENTRE, SETTINGS):
        bell = _bell(client.get(page).content.decode())
        assert 'href="/notifications/"' in bell and f'hx-get="{BELL}"' in bell
    assert 'class="badge"' not in client.get(BELL).content.decode()
    _tell(people.alice, n=3)
    _tell(people.bob, n=2)
    count = client.get(BELL).content.decode()
    assert '<span class="badge" aria-hidden="true">3</span>' in count and "3 unread" in count


def test_the_bell_says_99_plus_past_99(people, kinds, login):
    services.notify(recipients=[people.alice], kind=DUE, title="x")
    Notification.objects.bulk_create([Notification(recipient=people.alice, kind=DUE, title=f"n{i}")
                                      for i in range(120)])
    assert '<span class="badge" aria-hidden="true">99+</span>' in login(people.alice).get(BELL).content.decode()


def test_the_bell_costs_a_page_no_query_and_its_count_one(people, kinds, login, django_assert_num_queries):
    from django.db import connection
    from django.template import Context, Template
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    _tell(people.alice, n=2)
    request = RequestFactory().get("/")
    request.user = people.alice
    with django_assert_num_queries(0):
        Template("{% load notification_tags %}{% notification_bell %}").render(Context({"request": request}))
    client = login(people.alice)
    with CaptureQueriesContext(connection) as captured:
        count = client.get(BELL).content.decode()
    assert '<span class="badge" aria-hidden="true">2</span>' in count
    assert len([q for q in captured.captured_queries if "notifications_notification" in q["sql"]]) == 1


def test_marking_read_in_place_tells_the_bell_to_count_again(people, kinds, login):
    note = _tell(people.alice)[0]
    response = login(people.alice).post(reverse("notifications:read", args=[note.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Trigger"] == "notifications-read"


def test_signed_out_people_are_sent_to_sign_in(client, db):
    assert client.get(CENTRE).status_code == 302
    assert client.get(SETTINGS).status_code == 302
    assert client.get(BELL).status_code == 204


def test_the_settings_page_shows_kinds_by_channels_and_saves_them(people, kinds, login):
    robot = services.channel_create(actor=people.alice, data={"kind": "wecom", "name": "销售群",
                                                              "url": "https://qyapi.weixin.qq.com/x"})
    client = login(people.alice)
    html = client.get(SETTINGS).content.decode()
    table = html.split('id="preferences"', 1)[1].split("</table>", 1)[0]
    assert "Follow-up due" in table and "Quote approved" in table and "Test message" not in table
    assert "In the app" in table and "Email" in table and "销售群" in table
    assert f'name="kind:{APPROVED}" value="email" checked' in table
    # when: follow-ups by email and on the robot, approvals nowhere
    response = client.post(SETTINGS, {f"kind:{DUE}": ["email", robot.key]})
    # then
    assert response.status_code == 302
    chosen = dict(Preference.objects.filter(user=people.alice).values_list("kind", "channels"))
    assert (chosen[DUE], chosen[APPROVED]) == (["email", robot.key], [])
    assert "Your notification settings were saved." in client.get(SETTINGS).content.decode()


def test_the_settings_page_refuses_a_channel_that_is_not_mine(people, kinds, login):
    bobs = services.channel_create(actor=people.bob, data={"kind": "url", "name": "b", "url": "https://b.example/"})
    response = login(people.alice).post(SETTINGS, {f"kind:{DUE}": ["app", bobs.key]})
    assert response.status_code == 400
    assert "Follow-up due: Choose among in the app, email and your active channels." in response.content.decode()
    assert not Preference.objects.exists()


def test_a_channel_is_added_edited_tested_and_deleted_from_the_settings_page(people, kinds, login, receiver,
                                                                            django_capture_on_commit_callbacks):
    client = login(people.alice)
    assert client.get(reverse("notifications:channel_create")).status_code == 200
    # added
    response = client.post(reverse("notifications:channel_create"),
                           {"kind": "feishu", "name": "飞书群", "url": receiver.url("/feishu"), "secret": "s3cret",
                            "is_active": "on"})
    assert response.status_code == 302
    channel = Channel.objects.get(owner=people.alice)
    assert (channel.kind, channel.secret, channel.is_active) == ("feishu", "s3cret", True)
    # a bad address is refused on the form
    bad = client.post(reverse("notifications:channel_edit", args=[channel.pk]),
                      {"kind": "feishu", "name": "飞书群", "url": "not a url", "is_active": "on"})
    assert bad.status_code == 400 and "Enter a web address starting with http:// or https://." in bad.content.decode()
    # edited; an empty secret keeps the stored one
    edit = client.get(reverse("notifications:channel_edit", args=[channel.pk])).content.decode()
    assert "s3cret" not in edit and "A secret is set." in edit
    client.post(reverse("notifications:channel_edit", args=[channel.pk]),
                {"kind": "feishu", "name": "飞书大群", "url": receiver.url("/feishu"), "is_active": "on"})
    channel.refresh_from_db()
    assert (channel.name, channel.secret) == ("飞书大群", "s3cret")
    # tested: the message goes out and its delivery is listed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:channel_test", args=[channel.pk]))
    assert response.status_code == 302
    assert len(receiver.requests) == 1
    html = client.get(SETTINGS).content.decode()
    deliveries = html.split('id="deliveries"', 1)[1]
    assert "Test message from Guanxi" in deliveries and "飞书大群" in deliveries and "Sent" in deliveries
    # deleted
    client.post(reverse("notifications:channel_delete", args=[channel.pk]))
    assert not Channel.objects.exists()


def test_a_failed_delivery_shows_its_status_and_error_on_the_settings_page(people, kinds, login, receiver,
                                                                           django_capture_on_commit_callbacks):
    receiver.answer("/wecom", 400, '{"errcode":93000,"errmsg":"invalid webhook url"}')
    robot = services.channel_create(actor=people.alice, data={"kind": "wecom", "name": "企微群",
                                                              "url": receiver.url("/wecom")})
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_send_test(actor=people.alice, channel=robot)
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    deliveries = login(people.alice).get(SETTINGS).content.decode().split('id="deliveries"', 1)[1]
    assert "Failed" in deliveries and "400" in deliveries and "invalid webhook url" in deliveries


def test_another_persons_channel_answers_404_on_every_page(people, kinds, login):
    channel = services.channel_create(actor=people.alice, data={"kind": "url", "name": "a",
                                                                "url": "https://a.example/"})
    bob = login(people.bob)
    assert bob.get(reverse("notifications:channel_edit", args=[channel.pk])).status_code == 404
    assert bob.post(reverse("notifications:channel_edit", args=[channel.pk]),
                    {"kind": "url", "name": "mine", "url": "https://b.example/"}).status_code == 404
    assert bob.post(reverse("notifications:channel_test", args=[channel.pk])).status_code == 404
    assert bob.post(reverse("notifications:channel_delete", args=[channel.pk])).status_code == 404
    channel.refresh_from_db()
    assert channel.name == "a"
    assert not Delivery.objects.exists()


def test_the_pages_speak_chinese(people, kinds, client):
    _tell(people.bob, n=1)
    client.force_login(people.bob)
    html = client.get(CENTRE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "全部标为已读" in html and "仅未读" in html
    assert "通知设置" in client.get(SETTINGS, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
