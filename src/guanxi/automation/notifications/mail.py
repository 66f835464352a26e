"""Sending a notification by email (SMTP, configured by GUANXI_SMTP_*): a text and an HTML part
rendered from templates in the recipient's language, with an absolute link to the record."""

from __future__ import annotations

import smtplib
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from .channels import Message, Outcome, excerpt
from .rendering import absolute_link

# SMTP replies from 500 up refuse the message for good; 4xx ones are worth another try.
PERMANENT_SMTP = 500


def send_email(user, message: Message) -> Outcome:
    """Called inside the recipient's language."""
    if not user.email:
        return Outcome(False, None, _("No email address is set in your profile."), retry=False,
                       skipped=True)
    context = {
        "title": message.title, "body": message.body, "link": message.link, "recipient": user,
        "settings_link": absolute_link(reverse("notifications:settings")),
    }
    email = EmailMultiAlternatives(
        subject=message.title,
        body=render_to_string("notifications/email/message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((str(user), user.email))],
    )
    email.attach_alternative(render_to_string("notifications/email/message.html", context), "text/html")
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _reply in exc.recipients.values()]
        code = codes[0] if codes else None
        return Outcome(False, code, excerpt(f"{exc.__class__.__name__}: {exc.recipients}"),
                       retry=code is None or code < PERMANENT_SMTP)
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return Outcome(False, exc.smtp_code, excerpt(f"{exc.__class__.__name__}: {reply}"),
                       retry=exc.smtp_code < PERMANENT_SMTP)
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, None, excerpt(f"{exc.__class__.__name__}: {exc}"))
    return Outcome(True, 250, _("Accepted by the mail server."))
