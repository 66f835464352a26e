"""Opportunities in merging (dataquality.merging): they move to the surviving customer, and their links to
a merged contact move to the surviving one. Registered from OpportunitiesConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.dataquality.merging.registry import register_merge_relation

from .models import Opportunity


def register() -> None:
    register_merge_relation("customer", Opportunity, "customer")
    # An opportunity that lists both duplicates keeps one link, to the survivor.
    register_merge_relation("contact", Opportunity.contacts.through, "contact", unique_with=("opportunity",),
                            label=_("opportunities"))
