"""Fixtures for target tests (`company`, `login` come from the root conftest)."""

import pytest
from django.utils import translation

from guanxi.core.system import SYSTEM
from guanxi.sales.targets import services
from guanxi.sales.targets.periods import Period


@pytest.fixture(autouse=True)
def _english():
    """Assertions read English messages; the translation tests check the Chinese catalogue."""
    with translation.override("en"):
        yield


@pytest.fixture
def managers(company):
    """The company, with the manager role (carol's) also allowed to set targets."""
    company.manager_role.actions = [*company.manager_role.actions, "targets.manage"]
    company.manager_role.save(update_fields=["actions"])
    return company


@pytest.fixture
def set_target(db):
    """`set_target(subject, amount, kind="month", year=2025, index=3 (1 for a year), metric="signed",
    currency="CNY")` sets a target as the system would."""
    from guanxi.org.models import Department

    def create(subject, amount, kind="month", year=2025, index=None, metric="signed", currency="CNY"):
        index = index if index is not None else (1 if kind == "year" else 3)
        who = {"department": subject} if isinstance(subject, Department) else {"user": subject}
        return services.target_create(actor=SYSTEM, **who, period=Period.of(kind, year, index), metric=metric,
                                      amount=amount, currency=currency)

    return create
