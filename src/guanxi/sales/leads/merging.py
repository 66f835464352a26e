"""Leads in merging (dataquality.merging): a lead converted into a merged customer or contact now points to
the survivor, so "converted from" shows on its page. Registered from LeadsConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.dataquality.merging.registry import register_merge_relation

from .models import Lead


def register() -> None:
    register_merge_relation("customer", Lead, "converted_customer", label=_("converted leads"))
    register_merge_relation("contact", Lead, "converted_contact", label=_("converted leads"))
