"""Contracts in merging (dataquality.merging): they move to the surviving customer, and with them their
instalment plans and payments received (回款), which hang off the contract. Registered from
ContractsConfig.ready()."""

from __future__ import annotations

from guanxi.dataquality.merging.registry import register_merge_relation

from .models import Contract


def register() -> None:
    register_merge_relation("customer", Contract, "customer")
