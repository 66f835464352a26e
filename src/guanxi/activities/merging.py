"""Follow-ups in merging (dataquality.merging): they move to the surviving customer, so its timeline shows
what happened with the merged one, and to the surviving contact. Registered from ActivitiesConfig.ready()."""

from __future__ import annotations

from guanxi.dataquality.merging.registry import register_merge_relation

from .models import FollowUp


def register() -> None:
    register_merge_relation("customer", FollowUp, "customer")
    register_merge_relation("contact", FollowUp, "contact")
