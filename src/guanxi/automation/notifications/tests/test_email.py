"""Email through a real SMTP server (aiosmtpd on 127.0.0.1): subject and body in the recipient's language,
text and HTML parts, an absolute link to the record; a person without an address, and a mail server
that is down."""

from __future__ import annotations

import pytest

from guanxi.automation.notifications import services
from guanxi.automation.notifications.choices import DeliveryStatus
from guanxi.automation.notifications.delivering import MAX_ATTEMPTS
from guanxi.automation.notifications.models import Delivery, Notification

from .conftest import APPROVED, free_port, run_scheduled_retries


def _notify(capture, recipients):
    with capture(execute=True):
        return services.notify(recipients=recipients, kind=APPROVED, title=services.TEST_TITLE,
                               body=services.TEST_BODY, params={"name": "华东大客户"}, url="/quotes/42/")


def _parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_each_person_gets_an_email_in_their_language_with_a_link_to_the_record(people, kinds, mailbox,
                                                                               django_capture_on_commit_callbacks):
    # when alice (English) and bob (Chinese) are told, by the kind's default: app and email
    _notify(django_capture_on_commit_callbacks, [people.alice, people.bob])
    # then
    assert len(mailbox.messages) == 2
    by_address = {rcpts[0]: message for rcpts, message in zip(mailbox.recipients, mailbox.messages, strict=True)}
    english, chinese = by_address["alice@example.com"], by_address["bob@example.com"]
    assert english["Subject"] == "Test message from Guanxi"
    assert chinese["Subject"] == "来自关系的测试消息"
    assert english["From"] == "Guanxi <noreply@guanxi.test>"
    assert "alice@example.com" in english["To"]
    text, html = _parts(english)
    assert "If you can read this, the channel “华东大客户” works." in text
    assert "https://crm.example.com/quotes/42/" in text
    assert 'href="https://crm.example.com/quotes/42/"' in html
    assert "Open in Guanxi" in html
    text, html = _parts(chinese)
    assert "华东大客户" in text and "works" not in text
    assert "https://crm.example.com/quotes/42/" in text
    assert "https://crm.example.com/notifications/settings/" in text
    assert "在关系中打开" in html
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_html_in_a_title_is_escaped_in_the_html_part(people, kinds, mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[people.alice], kind=APPROVED, title="<script>alert(1)</script> 报价",
                        url="/quotes/1/")
    _text, html = _parts(mailbox.messages[0])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_person_without_an_email_address_is_skipped_with_the_reason(people, kinds, mailbox,
                                                                      django_capture_on_commit_callbacks):
    # dave has no address; his site language is Chinese
    _notify(django_capture_on_commit_callbacks, [people.dave])
    assert mailbox.messages == []
    delivery = Delivery.objects.get(recipient=people.dave)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SKIPPED, 1)
    assert delivery.detail == "您的个人资料中没有设置电子邮件地址。"
    assert Notification.objects.filter(recipient=people.dave).exists()


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_is_retried_then_failed(people, kinds, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    services.notify(recipients=[people.alice], kind=APPROVED, title="报价已批准")
    run_scheduled_retries()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in delivery.detail
    assert Notification.objects.filter(recipient=people.alice).exists()
