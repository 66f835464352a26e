"""Fixtures for merging tests (`company`, `login` and `make_customer` come from the root conftest).

`dossier(customer, owner, label)` gives a customer what a real one has (a contact, a follow-up, an opportunity,
a quote, a contract with an instalment and a payment, a converted lead, a tag, a team member) the way the
application creates them; `state()` reads every row a merge may touch, to compare before and after an undo.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone, translation

from guanxi.core.models import Collaborator
from guanxi.core.system import SYSTEM

API = "/api/v1"


@pytest.fixture(autouse=True)
def english():
    """Messages read in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def merge_right(db):
    """`merge_right(*users)` lets the users merge duplicates (dataquality.merge) besides their other roles."""
    from guanxi.org.models import Role

    role = Role.objects.create(name="数据治理", actions=["dataquality.merge"], scopes={})

    def grant(*users):
        for user in users:
            user.roles.add(role)
            user.__dict__.pop("_grants", None)  # the cached rights of this instance

    return grant


@pytest.fixture
def custom_field(db):
    """`custom_field(key, kind, choices=...)` defines a customer custom field."""
    from guanxi.core.services import custom_field_create

    def define(key, kind="text", *, choices=None, entity="customers.customer"):
        return custom_field_create(actor=SYSTEM, entity=entity, key=key, label=key.title(), kind=kind,
                                   choices=choices)

    return define


@pytest.fixture
def pipeline(db):
    from guanxi.sales.opportunities import services

    with translation.override("zh-hans"):
        return services.pipeline_default()


@pytest.fixture
def dossier(db, pipeline):
    from guanxi.activities import services as activities
    from guanxi.customers import services as customers
    from guanxi.sales.contracts import services as contracts
    from guanxi.sales.leads import services as leads
    from guanxi.sales.opportunities import services as opportunities
    from guanxi.sales.quotes import services as quotes

    counter = iter(range(10, 99))

    def fill(customer, owner, label: str, *, tag: str | None = None, member=None, member_can_edit=False) -> dict:
        n = next(counter)
        contact = customers.contact_create(actor=SYSTEM, customer=customer,
                                           data={"name": f"{label}联系人", "mobile": f"139000000{n}"})
        follow_up = activities.follow_up_create(
            actor=owner, customer=customer,
            data={"content": f"{label}的拜访", "contact": contact,
                  "occurred_at": timezone.now() - dt.timedelta(days=n)})
        opportunity = opportunities.opportunity_create(
            actor=owner, data={"name": f"{label}项目", "customer": customer, "amount": Decimal("50000.00")},
            contacts=[contact])
        quote = quotes.quote_create(actor=owner, data={"title": f"{label}报价", "customer": customer,
                                                       "contact": contact, "opportunity": opportunity})
        contract = contracts.contract_create(actor=owner, data={"title": f"{label}合同", "customer": customer,
                                                                "amount": Decimal("100000.00")})
        contracts.contract_submit(actor=owner, contract=contract)
        instalment = contracts.instalment_create(actor=SYSTEM, contract=contract,
                                                 data={"due_on": timezone.localdate(), "amount": Decimal("40000.00")})
        payment = contracts.payment_record(actor=SYSTEM, contract=contract,
                                           data={"instalment": instalment, "amount": Decimal("10000.00"),
                                                 "received_on": timezone.localdate()})
        lead = leads.lead_create(actor=SYSTEM, data={"name": f"{label}线索", "owner": owner, "status": "qualified"},
                                 confirmed=True)
        leads.lead_convert(actor=owner, lead=lead, mode="attach_link", customer=customer)
        if tag:
            customers.customer_bulk_add_tag(actor=SYSTEM, ids=[customer.pk], tag=customers.tag_create(actor=SYSTEM,
                                                                                                     name=tag))
        if member is not None:
            customers.customer_set_collaborator(actor=SYSTEM, customer=customer, user=member,
                                                can_edit=member_can_edit)
        return {"contact": contact, "follow_up": follow_up, "opportunity": opportunity, "quote": quote,
                "contract": contract, "instalment": instalment, "payment": payment, "lead": lead}

    return fill


VOLATILE = {"updated_at", "version"}


def _rows(model, order="pk", exclude=VOLATILE):
    names = [f.attname for f in model._meta.concrete_fields if f.name not in exclude]
    return list(model._base_manager.order_by(order).values(*names))


def state() -> dict:
    """Every row a customer or contact merge may touch, as plain values."""
    from guanxi.activities.models import FollowUp
    from guanxi.customers.models import Contact, Customer, OwnershipEvent
    from guanxi.dataquality.models import MatchKey
    from guanxi.sales.contracts.models import Contract, Instalment, Payment
    from guanxi.sales.leads.models import Lead
    from guanxi.sales.opportunities.models import Opportunity
    from guanxi.sales.quotes.models import Quote

    return {
        "customers": _rows(Customer),
        "contacts": _rows(Contact),
        "follow_ups": _rows(FollowUp),
        "opportunities": _rows(Opportunity),
        "opportunity_contacts": sorted(Opportunity.contacts.through.objects.values_list("opportunity_id",
                                                                                         "contact_id")),
        "quotes": _rows(Quote),
        "contracts": _rows(Contract),
        "instalments": _rows(Instalment),
        "payments": _rows(Payment),
        "leads": _rows(Lead),
        "tags": sorted(Customer.tags.through.objects.values_list("customer_id", "tag_id")),
        "collaborators": _rows(Collaborator, exclude=set()),
        "match_keys": sorted(MatchKey.objects.values_list("entity", "object_id", "kind", "value")),
        "ownership": _rows(OwnershipEvent),
    }


def team(record) -> list[tuple[int, bool]]:
    ct = ContentType.objects.get_for_model(type(record))
    return sorted(Collaborator.objects.filter(content_type=ct, object_id=record.pk).values_list("user_id",
                                                                                                "can_edit"))


@pytest.fixture
def api():
    """`api(user)` is a client signed in with a personal API token of `user`."""
    from guanxi.org.services import token_create

    def client_for(user) -> Client:
        _token, secret = token_create(actor=user, user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})

    return client_for


def send(client: Client, method: str, url: str, body=None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(API + url, payload, content_type="application/json")
