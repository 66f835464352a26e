"""Fixtures for opportunity tests (`company`, `login` and `make_customer` come from the root conftest)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from guanxi.sales.opportunities import services


@pytest.fixture
def pipeline(db):
    """The default pipeline with the usual stages (初步接洽 … 赢单, 输单) and lost reasons."""
    with translation.override("zh-hans"):
        return services.pipeline_default()


@pytest.fixture
def stages(pipeline):
    """The pipeline's stages by kind and order: open[0..3], won, lost."""
    all_stages = list(pipeline.stages.order_by("position"))
    return {"open": [s for s in all_stages if s.kind == "open"], "won": next(s for s in all_stages if s.kind == "won"),
            "lost": next(s for s in all_stages if s.kind == "lost")}


@pytest.fixture
def make_opportunity(pipeline, make_customer):
    """`make_opportunity(owner, name, customer=None, **data)` creates one as its owner would."""

    def create(owner, name="ERP 实施项目", *, customer=None, contacts=None, lines=None, **data):
        customer = customer or make_customer(owner, f"{name}的客户")
        data = {"name": name, "customer": customer, "amount": Decimal("100000.00"),
                "expected_close_date": timezone.localdate() + dt.timedelta(days=30), **data}
        return services.opportunity_create(actor=owner, data=data, contacts=contacts, lines=lines)

    return create


@pytest.fixture
def clock(monkeypatch):
    """`clock.set(datetime)` fixes "now" for the code under test; `clock.advance(hours=…)` moves it on."""

    class Clock:
        def __init__(self):
            self.now = timezone.now().replace(microsecond=0)
            monkeypatch.setattr(timezone, "now", lambda: self.now)

        def set(self, moment):
            self.now = moment

        def advance(self, **delta):
            self.now = self.now + dt.timedelta(**delta)

    return Clock()
