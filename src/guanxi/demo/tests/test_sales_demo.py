"""The demo's sales side: deals in every state, documents whose sums add up, and a pool to claim from."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import translation

from guanxi.core.numbering import next_number
from guanxi.customers.models import Customer
from guanxi.customers.pool.services import customer_claim
from guanxi.org.models import User
from guanxi.sales.contracts.models import Contract, Payment
from guanxi.sales.leads.models import Lead
from guanxi.sales.opportunities.models import Opportunity, StageChange
from guanxi.sales.quotes.models import Quote
from guanxi.sales.quotes.totals import line_amounts, quote_amounts

pytestmark = pytest.mark.django_db


def demo(**options) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("demo", stdout=out, **options)
    return out.getvalue()


def test_the_demo_has_deals_in_every_state_with_their_stage_history():
    output = demo(customers=300)

    statuses = set(Opportunity.objects.values_list("status", flat=True))
    assert statuses == {"open", "won", "lost"}
    assert "opportunities" in output and "contracts" in output
    for opportunity in Opportunity.objects.all()[:50]:
        history = list(StageChange.objects.filter(opportunity=opportunity).order_by("changed_at", "id"))
        assert history[-1].to_stage_id == opportunity.stage_id
        assert history[0].from_stage_id is None
        if opportunity.status == "lost":
            assert opportunity.lost_reason is not None and opportunity.closed_at is not None
        # each deal belongs to its customer's owner at the time, in their department
        assert opportunity.owner.department_id == opportunity.department_id


def test_demo_balances_equal_the_payments_and_quote_totals_the_lines():
    demo(customers=300)

    assert Contract.objects.exists() and Payment.objects.exists()
    for contract in Contract.objects.prefetch_related("instalments"):
        paid = Payment.objects.filter(contract=contract).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert contract.received_amount == paid
        assert sum(i.amount for i in contract.instalments.all()) == contract.amount
        for instalment in contract.instalments.all():
            assert instalment.received_amount <= instalment.amount
    for quote in Quote.objects.prefetch_related("lines")[:40]:
        lines = [(line_amounts(quantity=line.quantity, unit_price=line.unit_price,
                               discount_percent=line.discount_percent, tax_rate=line.tax_rate), line.discount_percent)
                 for line in quote.lines.all()]
        assert quote_amounts(lines).total == quote.total
    won = Customer.objects.filter(opportunities__status="won").distinct()
    assert won.exists() and not won.filter(last_deal_at__isnull=True).exists()


def test_new_documents_continue_the_demo_numbers():
    demo(customers=200)

    latest = Contract.objects.order_by("-number").values_list("number", flat=True).first()
    year = int(latest.split("-")[1])
    assert next_number("contracts", "HT", year=year) > latest


def test_a_seller_sees_the_company_pool_and_claims_from_it():
    demo(customers=300)
    wangfang = User.objects.get(username="wangfang")

    waiting = Customer.objects.filter(owner__isnull=True, pool__isnull=False)
    assert waiting.count() >= 20
    customer = waiting.exclude(ownership_events__previous_owner=wangfang).first()
    assert Customer.objects.visible_to(wangfang).filter(pk=customer.pk).exists()
    customer_claim(actor=wangfang, customer=customer)
    customer.refresh_from_db()
    assert customer.owner == wangfang


def test_demo_leads_are_stored_as_the_services_store_them():
    demo(customers=400)

    lead = Lead.objects.exclude(phone="").first()
    assert lead.phone_e164.startswith("+86")
    assert Lead.objects.filter(owner__isnull=True).exists()  # some wait in the lead pool


def test_sales_are_added_once_to_an_older_demo_database():
    demo(customers=100)
    before = Opportunity.objects.count()

    output = demo(add_sales=True)

    assert "no sales data was added" in output
    assert Opportunity.objects.count() == before


def test_roles_of_an_older_demo_database_get_the_sales_modules():
    from guanxi.demo.company import refresh_roles
    from guanxi.org.models import Role

    demo(customers=20)
    Role.objects.filter(name="销售").update(actions=["customers.view"], scopes={"customers": "self"})
    wangfang = User.objects.get(username="wangfang")
    assert not wangfang.has_action("opportunities.view")

    refresh_roles()

    wangfang = User.objects.get(username="wangfang")
    assert wangfang.has_action("opportunities.view") and wangfang.scope_for("opportunities") == "self"
