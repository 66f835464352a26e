"""Kinds of personal channel and the statuses of a delivery."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu / Lark group bot")
    URL = "url", _("Any URL (JSON POST)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
