"""Quotes in merging (dataquality.merging): every version moves to the surviving customer and contact.
Registered from QuotesConfig.ready()."""

from __future__ import annotations

from guanxi.dataquality.merging.registry import register_merge_relation

from .models import Quote


def register() -> None:
    register_merge_relation("customer", Quote, "customer")
    register_merge_relation("contact", Quote, "contact")
