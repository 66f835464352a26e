"""The demo company's sales: products, the default pipeline, opportunities with their stage
history, quotes, contracts with instalments and payments, leads, targets, and a customer pool.

Settings and catalogue go through the services with the system actor. The many records are
written in bulk with the values the services would store (quote totals from `quotes.totals`,
numbers in the same series `core.numbering` continues, balances equal to the payments), so a
million-customer database is seeded in minutes. About one customer in five has had an
opportunity; most of them are closed, as in a CRM used for a year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F

from guanxi.core import audit
from guanxi.core.models import AuditEvent, NumberSequence
from guanxi.core.money import round_money
from guanxi.core.system import SYSTEM
from guanxi.core.text import normalise_phone
from guanxi.customers.choices import CustomerSource
from guanxi.customers.models import Customer, CustomerPool, OwnershipEvent
from guanxi.customers.pool.choices import OwnershipEventKind, ReturnRule
from guanxi.org.models import User
from guanxi.sales.contracts.choices import ContractStatus, PaymentMethod
from guanxi.sales.contracts.models import Contract, Instalment, Payment
from guanxi.sales.leads.choices import LeadStatus
from guanxi.sales.leads.collisions import lead_name_key
from guanxi.sales.leads.models import Lead
from guanxi.sales.opportunities.choices import OpportunityStatus, StageKind
from guanxi.sales.opportunities.models import LostReason, Opportunity, Stage, StageChange
from guanxi.sales.opportunities.services import pipeline_default
from guanxi.sales.products import services as product_services
from guanxi.sales.products.models import Product
from guanxi.sales.quotes.choices import QuoteStatus
from guanxi.sales.quotes.models import Quote, QuoteLine
from guanxi.sales.quotes.totals import line_amounts, quote_amounts
from guanxi.sales.targets.models import Target

from . import vocabulary

BATCH = 2000
OPPORTUNITY_SHARE = 0.2  # customers that have had an opportunity
OPEN_SHARE_BIG, OPEN_SHARE_SMALL = 0.05, 0.4  # of opportunities still open
WON_SHARE = 0.5  # of closed opportunities
QUOTE_SHARE = 0.2  # opportunities with a quote
STANDALONE_CONTRACTS = 0.1  # contracts without an opportunity, per won opportunity
POOL_SHARE = 0.1  # customers waiting in the company pool
LEAD_SHARE = 0.05  # leads per customer
BIG = 20_000  # from this many customers, open deals are as rare as in a long-used CRM

PRODUCTS = [
    # (category, code, name, unit, list price)
    ("软件许可", "LIC-STD", "关系CRM 标准版（年）", "用户·年", "1200"),
    ("软件许可", "LIC-PRO", "关系CRM 专业版（年）", "用户·年", "2400"),
    ("软件许可", "LIC-ENT", "关系CRM 企业版（年）", "用户·年", "4800"),
    ("实施服务", "SVC-IMPL", "实施与上线服务", "人天", "2500"),
    ("实施服务", "SVC-MIG", "历史数据迁移", "项", "30000"),
    ("实施服务", "SVC-TRAIN", "现场培训", "场", "8000"),
    ("硬件设备", "HW-SCAN", "名片扫描仪", "台", "1680"),
    ("硬件设备", "HW-PAD", "移动销售平板", "台", "3299"),
    ("运维支持", "SUP-GOLD", "金牌运维支持（年）", "年", "60000"),
    ("运维支持", "SUP-SLV", "银牌运维支持（年）", "年", "30000"),
]
LOST_REASONS = ["价格过高", "选择了竞争对手", "预算取消", "需求不匹配", "决策延期", "失去联系"]
LEAD_STATUSES = {LeadStatus.NEW: 30, LeadStatus.CONTACTING: 35, LeadStatus.QUALIFIED: 20,
                 LeadStatus.DISQUALIFIED: 15}


@dataclass
class SalesSummary:
    opportunities: int = 0
    quotes: int = 0
    contracts: int = 0
    payments: int = 0
    leads: int = 0
    pooled: int = 0


@dataclass
class Catalogue:
    products: list[Product]
    open_stages: list[Stage]
    won: Stage
    lost: Stage
    lost_reasons: list[LostReason]
    pipeline_id: int = 0


@dataclass
class Numbers:
    """The last document number handed out per series and year, written back at the end."""

    last: dict[str, int] = field(default_factory=dict)

    def take(self, series: str, prefix: str, year: int) -> str:
        key = f"{series}:{year}"
        self.last[key] = self.last.get(key, 0) + 1
        return f"{prefix}-{year}-{self.last[key]:06d}"

    def save(self) -> None:
        for key, last in self.last.items():
            sequence, _created = NumberSequence.objects.get_or_create(key=key)
            NumberSequence.objects.filter(pk=sequence.pk, last__lt=last).update(last=last)


def _catalogue() -> Catalogue:
    categories: dict[str, object] = {}
    products = []
    for position, (category, code, name, unit, price) in enumerate(PRODUCTS):
        if category not in categories:
            categories[category] = product_services.category_create(actor=SYSTEM, name=category, position=position)
        products.append(product_services.product_create(actor=SYSTEM, data={
            "code": code, "name": name, "category": categories[category], "unit": unit,
            "list_price": Decimal(price), "tax_rate": Decimal("6.00") if category != "硬件设备" else Decimal("13.00"),
        }))
    pipeline = pipeline_default()
    stages = list(Stage.objects.filter(pipeline=pipeline, is_active=True).order_by("position", "id"))
    reasons = [LostReason.objects.get_or_create(name=name, defaults={"position": i})[0]
               for i, name in enumerate(LOST_REASONS)]
    return Catalogue(
        products=products, open_stages=[s for s in stages if s.kind == StageKind.OPEN],
        won=next(s for s in stages if s.kind == StageKind.WON),
        lost=next(s for s in stages if s.kind == StageKind.LOST),
        lost_reasons=reasons, pipeline_id=pipeline.pk,
    )


def _customers(batch: int) -> Iterator[list[tuple[int, str, int | None, int | None, dt.datetime]]]:
    """Owned customers in id order, a batch at a time: (id, name, owner, department, created)."""
    last = 0
    rows = Customer.objects.filter(owner__isnull=False, deleted_at__isnull=True).order_by("pk")
    while True:
        chunk = list(rows.filter(pk__gt=last).values_list("pk", "name", "owner_id", "department_id",
                                                           "created_at")[:batch])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


class SalesMaker:
    def __init__(self, *, seed: int, now: dt.datetime, customers: int, catalogue: Catalogue):
        self.rng = random.Random(seed * 7919)
        self.now = now
        self.today = now.date()
        self.catalogue = catalogue
        self.open_share = OPEN_SHARE_BIG if customers >= BIG else OPEN_SHARE_SMALL
        self.numbers = Numbers()
        self.summary = SalesSummary()
        self.last_deal: list[tuple[dt.datetime, int]] = []

    def amount(self) -> Decimal:
        # Most deals are small; a few are large (a long tail, as real pipelines have).
        return round_money(Decimal(int(self.rng.lognormvariate(11.5, 0.9))).quantize(Decimal(100)))

    def opportunity(self, row: tuple) -> tuple[Opportunity, list[StageChange], Product]:
        customer_id, name, owner_id, department_id, customer_created = row
        rng = self.rng
        created = max(customer_created, self.now - dt.timedelta(days=rng.randint(5, 365)))
        open_stages = self.catalogue.open_stages
        roll = rng.random()
        if roll < self.open_share:
            final = open_stages[min(len(open_stages) - 1, int(rng.random() ** 1.5 * len(open_stages)))]
        else:
            final = self.catalogue.won if rng.random() < WON_SHARE else self.catalogue.lost
        path = open_stages[: open_stages.index(final) + 1] if final.kind == StageKind.OPEN else (
            open_stages[: rng.randint(1, len(open_stages))] + [final])
        # A deal moves along within its sales cycle (up to about four months), not up to today: otherwise
        # most deals would seem to have closed in the last weeks.
        cycle = min(self.now - created, dt.timedelta(days=rng.randint(7, 120)))
        span = max(1, int(cycle.total_seconds()))
        moments = sorted(created + dt.timedelta(seconds=rng.randint(0, span)) for _ in path[1:])
        moments = [created, *moments]
        changes = []
        for i, stage in enumerate(path):
            seconds = int((moments[i] - moments[i - 1]).total_seconds()) if i else 0
            changes.append(StageChange(from_stage=path[i - 1] if i else None, to_stage=stage, changed_by_id=owner_id,
                                       changed_at=moments[i], seconds_in_previous=seconds))
        closed = moments[-1] if final.kind != StageKind.OPEN else None
        product = rng.choice(self.catalogue.products)
        trade = name
        for suffix in ("股份有限公司", "有限责任公司", "有限公司"):
            trade = trade.removesuffix(suffix)
        opportunity = Opportunity(
            name=f"{trade} · {product.name}", customer_id=customer_id, owner_id=owner_id,
            department_id=department_id, created_by_id=owner_id, amount=self.amount(), currency="CNY",
            expected_close_date=(closed.date() if closed else self.today + dt.timedelta(days=rng.randint(-10, 120))),
            pipeline_id=self.catalogue.pipeline_id, stage=final, status=OpportunityStatus(final.kind),
            probability=final.probability, source=rng.choice(CustomerSource.values),
            lost_reason=rng.choice(self.catalogue.lost_reasons) if final.kind == StageKind.LOST else None,
            stage_entered_at=moments[-1], closed_at=closed, created_at=created, updated_at=moments[-1],
        )
        return opportunity, changes, product

    def quote(self, opportunity: Opportunity, product: Product) -> tuple[Quote, list[QuoteLine]]:
        rng = self.rng
        created = opportunity.created_at + dt.timedelta(days=rng.randint(1, 20))
        created = min(created, self.now)
        lines = []
        for position, item in enumerate([product, *rng.sample(self.catalogue.products, rng.randint(0, 2))]):
            quantity = Decimal(rng.choice([1, 2, 5, 10, 20, 50]))
            discount = Decimal(rng.choice([0, 0, 5, 10, 15]))
            amounts = line_amounts(quantity=quantity, unit_price=item.list_price, discount_percent=discount,
                                   tax_rate=item.tax_rate)
            lines.append((QuoteLine(position=position, product=item, description=item.name, unit=item.unit,
                                    quantity=quantity, unit_price=item.list_price, discount_percent=discount,
                                    tax_rate=item.tax_rate, subtotal=amounts.subtotal, discount=amounts.discount,
                                    tax=amounts.tax, total=amounts.total), discount))
        totals = quote_amounts((_amounts(line), discount) for line, discount in lines)
        decided = {"won": QuoteStatus.ACCEPTED, "lost": QuoteStatus.REJECTED}
        status = decided.get(str(opportunity.status)) or rng.choice(
            [QuoteStatus.DRAFT, QuoteStatus.SENT, QuoteStatus.APPROVED])
        quote = Quote(
            number=self.numbers.take("quotes", "QT", created.year), title=opportunity.name[:200],
            customer_id=opportunity.customer_id, opportunity=opportunity, owner_id=opportunity.owner_id,
            department_id=opportunity.department_id, created_by_id=opportunity.owner_id, status=status,
            currency="CNY", valid_until=created.date() + dt.timedelta(days=30), subtotal=totals.subtotal,
            discount_total=totals.discount, tax_total=totals.tax, total=totals.total,
            max_discount_percent=totals.max_discount_percent,
            sent_at=created if status != QuoteStatus.DRAFT else None,
            decided_at=opportunity.closed_at if status in (QuoteStatus.ACCEPTED, QuoteStatus.REJECTED) else None,
            created_at=created, updated_at=created,
        )
        return quote, [line for line, _d in lines]

    def contract(self, *, customer_id: int, owner_id: int | None, department_id: int | None, title: str,
                 amount: Decimal, signed: dt.datetime, opportunity: Opportunity | None
                 ) -> tuple[Contract, list[Instalment], list[list[Payment]]]:
        rng = self.rng
        starts = signed.date()
        ends = starts + dt.timedelta(days=365 * rng.choice([1, 1, 2, 3]))
        status = ContractStatus.ACTIVE if ends >= self.today else ContractStatus.EXPIRED
        contract = Contract(
            number=self.numbers.take("contracts", "HT", signed.year), title=title[:200], customer_id=customer_id,
            opportunity=opportunity, owner_id=owner_id, department_id=department_id, created_by_id=owner_id,
            amount=amount, currency="CNY", signed_on=starts, starts_on=starts, ends_on=ends, status=status,
            activated_at=signed, created_at=signed, updated_at=signed,
        )
        parts = rng.choice([1, 2, 3])
        share = round_money(amount / parts)
        instalments, payments = [], []
        for sequence in range(1, parts + 1):
            due = starts + dt.timedelta(days=90 * (sequence - 1) + 15)
            part = share if sequence < parts else amount - share * (parts - 1)
            instalment = Instalment(sequence=sequence, due_on=due, amount=part)
            paid: list[Payment] = []
            if due <= self.today:
                roll = rng.random()
                received = part if roll < 0.85 else round_money(part * Decimal("0.5")) if roll < 0.92 else Decimal(0)
                if received:
                    on = min(self.today, due + dt.timedelta(days=rng.randint(-5, 20)))
                    paid.append(Payment(amount=received, received_on=on, method=rng.choice(PaymentMethod.values),
                                        reference=f"BANK{rng.randint(10**9, 10**10 - 1)}", recorded_by_id=owner_id))
                    instalment.received_amount = received
            instalments.append(instalment)
            payments.append(paid)
        contract.received_amount = sum((i.received_amount for i in instalments), Decimal(0))
        return contract, instalments, payments


def _amounts(line: QuoteLine):
    return line_amounts(quantity=line.quantity, unit_price=line.unit_price, discount_percent=line.discount_percent,
                        tax_rate=line.tax_rate)


def _created_events(objects: list, action: str) -> list[AuditEvent]:
    """One "created" event per record, on its customer's timeline, by the seller who made it."""
    events = []
    for obj in objects:
        event = audit.build(SYSTEM, action, obj, {})
        event.actor_id = obj.created_by_id
        event.timeline_key = f"customers.customer:{obj.customer_id}"
        event.created_at = obj.created_at
        events.append(event)
    return events


def _write_deals(maker: SalesMaker, rows: list[tuple]) -> None:
    rng = maker.rng
    opportunities, changes, products = [], [], []
    for row in rows:
        if rng.random() < OPPORTUNITY_SHARE:
            opportunity, stage_changes, product = maker.opportunity(row)
            opportunities.append(opportunity)
            changes.append(stage_changes)
            products.append(product)
    Opportunity.objects.bulk_create(opportunities, batch_size=BATCH)
    for opportunity, stage_changes in zip(opportunities, changes, strict=True):
        for change in stage_changes:
            change.opportunity = opportunity
    StageChange.objects.bulk_create([c for group in changes for c in group], batch_size=BATCH)

    quotes, quote_lines = [], []
    for opportunity, product in zip(opportunities, products, strict=True):
        if rng.random() < QUOTE_SHARE:
            quote, lines = maker.quote(opportunity, product)
            quotes.append(quote)
            quote_lines.append(lines)
    Quote.objects.bulk_create(quotes, batch_size=BATCH)
    for quote, lines in zip(quotes, quote_lines, strict=True):
        for line in lines:
            line.quote = quote
    QuoteLine.objects.bulk_create([line for lines in quote_lines for line in lines], batch_size=BATCH)

    deals = []
    for opportunity in opportunities:
        if opportunity.status == OpportunityStatus.WON:
            assert opportunity.closed_at is not None
            deals.append(maker.contract(customer_id=opportunity.customer_id, owner_id=opportunity.owner_id,
                                        department_id=opportunity.department_id, title=opportunity.name,
                                        amount=opportunity.amount, signed=opportunity.closed_at,
                                        opportunity=opportunity))
            maker.last_deal.append((opportunity.closed_at, opportunity.customer_id))
            if rng.random() < STANDALONE_CONTRACTS:
                signed = maker.now - dt.timedelta(days=rng.randint(1, 300))
                deals.append(maker.contract(customer_id=opportunity.customer_id, owner_id=opportunity.owner_id,
                                            department_id=opportunity.department_id, title="年度续约服务合同",
                                            amount=maker.amount(), signed=signed, opportunity=None))
                maker.last_deal.append((signed, opportunity.customer_id))
    contracts = [c for c, _i, _p in deals]
    Contract.objects.bulk_create(contracts, batch_size=BATCH)
    instalments, payments = [], []
    for contract, contract_instalments, contract_payments in deals:
        for instalment, paid in zip(contract_instalments, contract_payments, strict=True):
            instalment.contract = contract
            instalments.append(instalment)
            for payment in paid:
                payment.contract = contract
                payment.instalment = instalment
                payments.append(payment)
    Instalment.objects.bulk_create(instalments, batch_size=BATCH)
    for payment in payments:
        assert payment.instalment is not None
        payment.instalment_id = payment.instalment.pk
    Payment.objects.bulk_create(payments, batch_size=BATCH)

    AuditEvent.objects.bulk_create(_created_events(opportunities, "opportunity.created")
                                   + _created_events(contracts, "contract.created"), batch_size=BATCH)
    maker.summary.opportunities += len(opportunities)
    maker.summary.quotes += len(quotes)
    maker.summary.contracts += len(contracts)
    maker.summary.payments += len(payments)


def _note_deals(maker: SalesMaker) -> None:
    """Customers remember their latest deal, as `customer_note_deal` keeps it."""
    latest: dict[int, dt.datetime] = {}
    for at, customer_id in maker.last_deal:
        if customer_id not in latest or latest[customer_id] < at:
            latest[customer_id] = at
    items = sorted(latest.items())
    for start in range(0, len(items), BATCH):
        chunk = items[start:start + BATCH]
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {Customer._meta.db_table} SET last_deal_at = %s WHERE id = %s",
                               [(_db_datetime(at), pk) for pk, at in chunk])


def _db_datetime(value: dt.datetime):
    if connection.vendor == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    return value


def _leads(maker: SalesMaker, customers: int, owners: list[User]) -> None:
    rng = maker.rng
    count = max(20, int(customers * LEAD_SHARE))
    leads = []
    for i in range(count):
        region = rng.choice(vocabulary.REGIONS)
        owner = rng.choice(owners) if rng.random() < 0.8 else None
        created = maker.now - dt.timedelta(days=rng.randint(0, 180), minutes=rng.randint(0, 1440))
        brand = rng.choice(vocabulary.BRAND_FIRST) + rng.choice(vocabulary.BRAND_SECOND)
        phone = f"{rng.choice(vocabulary.MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"
        lead = Lead(
            name=rng.choice(vocabulary.SURNAMES) + rng.choice(vocabulary.GIVEN_NAMES),
            company=f"{region[1]}{brand}科技有限公司", title=rng.choice(vocabulary.TITLES), phone=phone,
            phone_e164=normalise_phone(phone) or "", source=rng.choice(CustomerSource.values),
            region=f"{region[0]} {region[1]}", status=str(_weighted(rng, LEAD_STATUSES)) if owner else LeadStatus.NEW,
            owner=owner, department_id=owner.department_id if owner else None, created_by=owner,
            assigned_at=created if owner else None, created_at=created, updated_at=created,
        )
        lead.name_key = lead_name_key(lead)
        leads.append(lead)
        if len(leads) >= BATCH or i == count - 1:
            Lead.objects.bulk_create(leads, batch_size=BATCH)
            maker.summary.leads += len(leads)
            leads = []


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _targets(owners: list[User], year: int) -> None:
    targets = []
    for user in owners:
        for month in range(1, 13):
            targets.append(Target(user=user, period_kind="month", year=year, period_index=month, metric="signed",
                                  amount=Decimal(500_000), currency="CNY"))
    Target.objects.bulk_create(targets, ignore_conflicts=True)


def _pool(maker: SalesMaker, customers: int) -> None:
    """Move every tenth customer without deals into the company pool, as the return sweep would have."""
    pool = CustomerPool.objects.filter(department__isnull=True).first()
    if pool is None:
        from guanxi.customers.pool.services import pool_create

        pool = pool_create(actor=SYSTEM, data={"name": "公司公海", "description": "全公司共享的客户公海"},
                           rules=[{"grade": "", "no_follow_up_days": 90, "no_deal_days": 365,
                                   "warn_days": 7, "max_owned": None, "reclaim_wait_days": 30}])
    wanted = int(customers * POOL_SHARE)
    moved = 0
    last = 0
    while moved < wanted:
        rows = list(Customer.objects.filter(pk__gt=last, owner__isnull=False, last_deal_at__isnull=True,
                                            deleted_at__isnull=True)
                    .order_by("pk").values_list("pk", "owner_id")[:BATCH * 5])
        if not rows:
            break
        last = rows[-1][0]
        picked = [(pk, owner) for i, (pk, owner) in enumerate(rows) if i % 3 == 0][: wanted - moved]
        ids = [pk for pk, _owner in picked]
        with transaction.atomic():
            Customer.objects.filter(pk__in=ids).update(owner=None, department=None, pool=pool,
                                                       version=F("version") + 1)
            OwnershipEvent.objects.bulk_create([
                OwnershipEvent(customer_id=pk, kind=OwnershipEventKind.AUTO_RETURNED, pool=pool, pool_name=pool.name,
                               previous_owner_id=owner, rule=ReturnRule.NO_FOLLOW_UP, rule_days=90,
                               at=maker.now - dt.timedelta(days=maker.rng.randint(1, 60)))
                for pk, owner in picked], batch_size=BATCH)
        moved += len(ids)
    maker.summary.pooled = moved


def seed_sales(*, seed: int, now: dt.datetime, customers: int,
               progress: Callable[[str], None] | None = None) -> SalesSummary:
    """Add the sales side to a database whose organisation and customers the demo already made."""
    say = progress or (lambda _message: None)
    with transaction.atomic():
        catalogue = _catalogue()
    maker = SalesMaker(seed=seed, now=now, customers=customers, catalogue=catalogue)
    done = 0
    for rows in _customers(BATCH * 5):
        with transaction.atomic():
            _write_deals(maker, rows)
        done += len(rows)
        say(f"{done}")
    with transaction.atomic():
        _note_deals(maker)
        maker.numbers.save()
    sellers = list(User.objects.filter(is_active=True, roles__name__in=["销售", "销售经理"]).distinct().order_by("pk"))
    with transaction.atomic():
        _leads(maker, customers, sellers)
        _targets(sellers, now.year)
    _pool(maker, customers)
    if customers >= BIG:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return maker.summary


