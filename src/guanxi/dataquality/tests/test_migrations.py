"""Customers saved before the collision check get their company keys when the app is migrated."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from guanxi.core.system import SYSTEM
from guanxi.customers import services
from guanxi.dataquality.models import MatchKey

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("guanxi.dataquality.migrations.0002_customer_name_keys")


def test_the_migration_keys_live_customers_and_only_those(company, make_customer):
    live = make_customer(company.alice, "深圳市腾远电子科技有限公司")
    deleted = make_customer(company.alice, "华信精密机械有限公司")
    services.customer_delete(actor=SYSTEM, customer=deleted)
    make_customer(company.alice, "腾")  # too short to match on: no key
    MatchKey.objects.all().delete()
    editor = SimpleNamespace(connection=connection)
    backfill.add_customer_keys(apps, editor)
    backfill.add_customer_keys(apps, editor)  # running twice changes nothing
    assert list(MatchKey.objects.values_list("entity", "object_id", "kind", "value")) == [
        ("customers.customer", live.pk, "name", "腾远电子科技")]
    backfill.remove_customer_keys(apps, editor)
    assert not MatchKey.objects.exists()
