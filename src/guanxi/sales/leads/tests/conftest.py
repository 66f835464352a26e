"""Fixtures for the lead tests (`company`, `login` and `make_customer` come from the root conftest)."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from guanxi.core.system import SYSTEM
from guanxi.sales.leads import services


@pytest.fixture(autouse=True)
def _english():
    """Messages raised outside a request read in English, like the pages the tests sign in to."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_lead(db):
    """`make_lead(owner, name, **fields)` creates a lead the way the application does; owner None puts it in the
    pool. Possible duplicates are confirmed, so tests can reuse phones."""

    def create(owner, name="张伟", *, company="杭州云栖科技有限公司", custom=None, **data):
        return services.lead_create(actor=SYSTEM, data={"name": name, "company": company, "owner": owner, **data},
                                    custom=custom, confirmed=True)

    return create


@pytest.fixture
def make_rule(db):
    """`make_rule(members, name, sources=[...], regions=[...], position=0)` defines an assignment rule."""

    def create(members, name="网站线索", **data):
        return services.rule_create(actor=SYSTEM, data={"name": name, **data}, members=list(members))

    return create


@pytest.fixture
def log_follow_up(db):
    """`log_follow_up(author, lead, content, hours_ago=1)` logs a follow-up on a lead as `author`."""

    def create(author, lead, content="电话沟通需求", *, hours_ago=1, **data):
        data = {"content": content, "occurred_at": timezone.now() - dt.timedelta(hours=hours_ago), **data}
        return services.lead_follow_up_create(actor=author, lead=lead, data=data)

    return create
