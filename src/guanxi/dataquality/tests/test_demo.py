"""`guanxi demo` writes the customers' match keys in bulk, so its data is checked like any other."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from guanxi.customers.models import Customer
from guanxi.dataquality.collisions import find_collisions
from guanxi.dataquality.models import MatchKey
from guanxi.dataquality.normalise import company_name_key
from guanxi.org.models import User

pytestmark = pytest.mark.django_db


def test_demo_customers_have_the_keys_the_services_would_store():
    with translation.override("en"):
        call_command("demo", customers=40, stdout=StringIO())
    alive = Customer.objects.filter(deleted_at__isnull=True)
    stored = set(MatchKey.objects.values_list("entity", "object_id", "kind", "value"))
    expected = {("customers.customer", c.pk, "name", company_name_key(c.name)) for c in alive
                if company_name_key(c.name)}
    assert stored == expected and len(expected) >= 35
    customer = alive.filter(kind="company").order_by("id").first()
    seller = User.objects.exclude(pk=customer.owner_id).filter(roles__isnull=False).first()
    found = find_collisions(actor=seller, name=f"（深圳）{customer.name}")
    assert customer.pk in {c.record.pk for c in found}
