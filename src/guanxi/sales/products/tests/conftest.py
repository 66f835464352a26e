"""Fixtures for product tests: a catalogue manager besides the standard cast."""

import pytest

from guanxi.org.models import Role


@pytest.fixture
def manager(company):
    """carol, given a role that manages the product catalogue."""
    role = Role.objects.create(name="产品管理员", actions=["products.view", "products.manage"])
    company.carol.roles.add(role)
    return company.carol
