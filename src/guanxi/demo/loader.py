"""Seeding the demo: the organisation through the services, then customers in bulk chunks,
made by worker processes when there are many and written in order by this one."""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.utils import timezone

from guanxi.activities.models import FollowUp
from guanxi.core.models import AuditEvent
from guanxi.customers.models import Contact, Customer
from guanxi.dataquality.match_keys import MATCH_KEY_COLUMNS
from guanxi.dataquality.models import MatchKey
from guanxi.org.models import User

from . import bulk, generate
from .company import DemoCompany, build_company
from .generate import Batch, Plan
from .sales import SalesSummary, seed_sales

# Fewer customers than this are made in this process: starting workers would cost more.
PARALLEL_FROM = 20_000


@dataclass
class Summary:
    company: DemoCompany
    customers: int
    contacts: int
    follow_ups: int
    sales: SalesSummary | None = None


def is_empty() -> bool:
    return not (User.objects.exists() or Customer.objects.exists())


def _write(batch: Batch) -> None:
    with transaction.atomic():
        bulk.insert(Customer, generate.CUSTOMER_COLUMNS, batch.customers)
        bulk.insert(Contact, generate.CONTACT_COLUMNS, batch.contacts)
        bulk.insert(FollowUp, generate.FOLLOW_UP_COLUMNS, batch.follow_ups)
        bulk.insert(Customer.tags.through, generate.TAG_COLUMNS, batch.tags)
        bulk.insert(AuditEvent, generate.AUDIT_COLUMNS, batch.audit)
        bulk.insert(MatchKey, MATCH_KEY_COLUMNS, batch.match_keys)


def _batches(plan: Plan, workers: int):
    """Chunks in order; with workers, a few are made ahead while this process writes."""
    if workers <= 1 or plan.customers < PARALLEL_FROM:
        for chunk in range(plan.chunks):
            yield generate.make_chunk(chunk, plan)
        return
    generate.set_worker_plan(plan)
    # Workers are forked with the plan and the content type cache already in memory; they never
    # touch the database, and this process reconnects after the fork.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        next_chunk = 0
        while next_chunk < plan.chunks or pending:
            while next_chunk < plan.chunks and len(pending) < workers * 3:
                pending.append(pool.apply_async(generate.make_chunk, (next_chunk,)))
                next_chunk += 1
            yield pending.popleft().get()


def seed(*, customers: int, follow_ups: float, seed: int = 2026, workers: int = 1,
         progress: Callable[[int, int], None] | None = None) -> Summary:
    with transaction.atomic():
        company = build_company()
    for model in (Customer, Contact, FollowUp):
        ContentType.objects.get_for_model(model)
    owners = company.owners()
    plan = Plan(
        seed=seed, customers=customers, follow_ups=follow_ups,
        now=timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(minutes=1),
        owners=[u for u, _w in owners], weights=[w for _u, w in owners], tags=company.tags,
        custom_fields=company.custom_fields, first_customer_id=bulk.next_id(Customer),
        first_contact_id=bulk.next_id(Contact), first_follow_up_id=bulk.next_id(FollowUp),
    )
    written = contacts = follow_up_rows = 0
    big = customers >= PARALLEL_FROM
    tables = [m._meta.db_table for m in (Customer, Contact, FollowUp, AuditEvent, Customer.tags.through, MatchKey)]
    with bulk.indexes_deferred(tables) if big else contextlib.nullcontext():
        for batch in _batches(plan, workers):
            _write(batch)
            written += len(batch.customers)
            contacts += len(batch.contacts)
            follow_up_rows += len(batch.follow_ups)
            if progress:
                progress(written, customers)
    bulk.reset_sequences([Customer, Contact, FollowUp])
    if customers >= PARALLEL_FROM:
        # Fresh statistics, so the planner knows the table is big before the first page is asked for.
        with connection.cursor() as cursor:
            # On PostgreSQL, VACUUM also marks the pages all-visible, which index-only scans need.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    sales = seed_sales(seed=seed, now=plan.now, customers=written)
    return Summary(company=company, customers=written, contacts=contacts, follow_ups=follow_up_rows, sales=sales)


def add_sales(*, seed: int = 2026) -> SalesSummary | None:
    """Add the sales side to a demo database made before it existed; None if it has opportunities already."""
    from guanxi.sales.opportunities.models import Opportunity

    if Opportunity.objects.exists():
        return None
    from .company import refresh_roles

    refresh_roles()
    now = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(minutes=1)
    return seed_sales(seed=seed, now=now, customers=Customer.objects.count())
