"""Follow-ups as webhook resources (automation.webhooks): each event carries the record as GET /follow-ups/{id}
answers. Registered from ActivitiesConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from guanxi.automation.webhooks.registry import api_view, register_webhook_resource
from guanxi.core.system import SYSTEM

from . import selectors
from .models import FollowUp
from .schemas import FollowUpOut


def register() -> None:
    register_webhook_resource(
        "follow_up", model=FollowUp, label=_("Follow-up"), serialize=api_view(FollowUpOut),
        load=lambda pk: selectors.follow_up_get(actor=SYSTEM, id=pk),
        events=["created", "updated"],
    )
