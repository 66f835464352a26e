"""Deterministic demo customers, contacts and follow-ups, made in chunks.

Every chunk draws from its own random generator seeded by (seed, chunk number), so the same
seed gives the same company whether chunks are made one after another or by several
processes at once. Records are built as unsaved model instances with the values the services
would give them (search document, E.164 phones, validated custom fields, audit events), then
flattened into rows for the bulk writer.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from django.db import models
from django.utils import translation

from guanxi.activities.models import FollowUp
from guanxi.core import audit, customfields
from guanxi.core.models import AuditEvent, CustomFieldDefinition
from guanxi.core.text import normalise_phone
from guanxi.customers.choices import CustomerKind, Industry
from guanxi.customers.models import Contact, Customer, Tag
from guanxi.customers.search import customer_document, syllables
from guanxi.customers.services import CONTACT_FIELDS, CUSTOMER_FIELDS
from guanxi.dataquality.match_keys import entity_of, match_key_rows
from guanxi.org.models import User

from . import bulk
from . import vocabulary as words

CHUNK = 2000
MAX_CONTACTS = 3
MAX_FOLLOW_UPS = 5
HISTORY_DAYS = 730  # customers were entered over the last two years
FOLLOW_UP_DAYS = 182  # follow-ups cover the last six months
DELETED_SHARE = 0.005  # a few customers sit in the recycle bin

CUSTOMER_COLUMNS = [f.attname for f in Customer._meta.concrete_fields]
CONTACT_COLUMNS = [f.attname for f in Contact._meta.concrete_fields]
FOLLOW_UP_COLUMNS = [f.attname for f in FollowUp._meta.concrete_fields]
AUDIT_COLUMNS = [f.attname for f in AuditEvent._meta.concrete_fields if not f.primary_key]
TAG_COLUMNS = ["customer_id", "tag_id"]
CUSTOMER_ENTITY = entity_of(Customer)


@dataclass
class Plan:
    """Everything a chunk needs to know; the same plan and seed always give the same rows."""

    seed: int
    customers: int
    follow_ups: float  # average per customer
    now: dt.datetime
    owners: list[User]
    weights: list[int]
    tags: list[Tag]
    custom_fields: dict[str, CustomFieldDefinition]
    first_customer_id: int = 1
    first_contact_id: int = 1
    first_follow_up_id: int = 1
    cumulative: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cumulative = list(itertools.accumulate(self.weights))

    @property
    def chunks(self) -> int:
        return (self.customers + CHUNK - 1) // CHUNK


@dataclass
class Batch:
    """Rows of one chunk, per table, in the column order of the *_COLUMNS lists."""

    customers: list[tuple] = field(default_factory=list)
    contacts: list[tuple] = field(default_factory=list)
    follow_ups: list[tuple] = field(default_factory=list)
    tags: list[tuple] = field(default_factory=list)
    audit: list[tuple] = field(default_factory=list)
    match_keys: list[tuple] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def _row(obj: models.Model, columns: list[str]) -> tuple:
    return tuple(getattr(obj, c) for c in columns)


def _pick(rng: random.Random, weighted: dict) -> Any:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


@lru_cache(maxsize=200_000)
def _person_document(name: str) -> str:
    # Person names repeat (a few hundred surnames); a contact's document depends on its name alone.
    return customer_document(name, [])


@cache
def _kind_label(kind: str, language: str | None) -> str:
    return str(FollowUp(kind=kind).get_kind_display())


def follow_up_repr(follow_up: FollowUp) -> str:
    """`str(follow_up)`, with each kind's label looked up once instead of per row."""
    label = _kind_label(follow_up.kind, translation.get_language())
    follow_up.get_kind_display = lambda: label  # type: ignore[method-assign]
    return str(follow_up)


class ChunkMaker:
    """Makes the rows of one chunk of customers."""

    def __init__(self, plan: Plan, chunk: int):
        self.plan = plan
        self.chunk = chunk
        self.rng = random.Random(f"guanxi-demo:{plan.seed}:{chunk}")
        self.batch = Batch()
        self.contact_id = plan.first_contact_id + chunk * CHUNK * MAX_CONTACTS
        self.follow_up_id = plan.first_follow_up_id + chunk * CHUNK * MAX_FOLLOW_UPS

    # -- words --

    def person_name(self) -> str:
        return self.rng.choice(words.SURNAMES) + self.rng.choice(words.GIVEN_NAMES)

    def brand(self) -> str:
        if self.rng.random() < 0.2:
            return self.rng.choice(words.FAKER_BRANDS)
        return self.rng.choice(words.BRAND_FIRST) + self.rng.choice(words.BRAND_SECOND)

    def mobile(self) -> tuple[str, str]:
        """A mobile number as people write it (138 1234 5678, +86 138-…), and its E.164 form."""
        while True:
            digits = self.rng.choice(words.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            style = self.rng.random()
            if style < 0.6:
                written = digits
            elif style < 0.85:
                written = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
            else:
                written = f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"
            e164 = normalise_phone(written)
            if e164:
                return written, e164

    def landline(self, area: str) -> tuple[str, str]:
        """A landline in the region's area code (0755-86123456); big cities have 8 digits, others 7."""
        for attempt in range(6):
            length = 8 if attempt % 2 == 0 else 7
            local = str(self.rng.randrange(2, 9)) + f"{self.rng.randrange(10 ** (length - 1)):0{length - 1}d}"
            written = f"0{area}-{local}"
            e164 = normalise_phone(written)
            if e164:
                return written, e164
        return self.mobile()

    # -- records --

    def customer_at(self, index: int) -> dt.datetime:
        span = dt.timedelta(days=HISTORY_DAYS) / max(self.plan.customers, 1)
        return self.plan.now - dt.timedelta(days=HISTORY_DAYS) + span * (index + self.rng.random() * 0.9)

    def owner(self) -> User:
        point = self.rng.random() * self.plan.cumulative[-1]
        return self.plan.owners[bisect.bisect_right(self.plan.cumulative, point)]

    def company(self, region: tuple[str, str, str, list[str]], industry: str) -> tuple[str, str]:
        """A company name like 深圳市腾远电子科技有限公司, and the pinyin of its trade name for its domain."""
        province, city, _area, districts = region
        if industry == Industry.GOVERNMENT:
            body = self.rng.choice(words.PUBLIC_BODIES)
            place = city + ("市" if self.rng.random() < 0.7 else self.rng.choice(districts))
            return place + body, "".join(syllables(city))
        brand = self.brand()
        prefix = city + ("市" if self.rng.random() < 0.5 else "") if self.rng.random() < 0.85 else ""
        name = prefix + brand + self.rng.choice(words.INDUSTRY_WORDS[industry]) + self.rng.choice(
            words.COMPANY_SUFFIXES)
        return name, "".join(syllables(brand))

    def address(self, region: tuple[str, str, str, list[str]]) -> str:
        province, city, _area, districts = region
        province_part = "" if province == city else f"{province}省"
        street = self.rng.choice(words.STREET_STEMS) + self.rng.choice(words.STREET_KINDS)
        building = ""
        if self.rng.random() < 0.6:
            building = f"{self.brand()}{self.rng.choice(words.BUILDINGS)}{self.rng.randrange(1, 30)}楼"
        return f"{province_part}{city}市{self.rng.choice(districts)}{street}{self.rng.randrange(1, 999)}号{building}"

    def make(self) -> Batch:
        first = self.chunk * CHUNK
        for index in range(first, min(first + CHUNK, self.plan.customers)):
            self.make_customer(index)
        b = self.batch
        b.customers = bulk.prepare(b.customers, bulk.converters(Customer, CUSTOMER_COLUMNS))
        b.contacts = bulk.prepare(b.contacts, bulk.converters(Contact, CONTACT_COLUMNS))
        b.follow_ups = bulk.prepare(b.follow_ups, bulk.converters(FollowUp, FOLLOW_UP_COLUMNS))
        b.audit = bulk.prepare(b.audit, bulk.converters(AuditEvent, AUDIT_COLUMNS))
        return b

    def make_customer(self, index: int) -> None:
        rng, plan = self.rng, self.plan
        created = self.customer_at(index)
        owner = self.owner()
        region = rng.choices(words.REGIONS, weights=words.REGION_WEIGHTS)[0]
        kind = CustomerKind.INDIVIDUAL if rng.random() < 0.08 else CustomerKind.COMPANY
        industry = "" if kind == CustomerKind.INDIVIDUAL else _pick(rng, words.INDUSTRY_WEIGHTS)
        if kind == CustomerKind.INDIVIDUAL:
            name, domain_stem = self.person_name(), ""
        else:
            name, domain_stem = self.company(region, industry)
        domain = f"{domain_stem}{rng.randrange(10, 99) if rng.random() < 0.3 else ''}." \
                 f"{rng.choice(words.EMAIL_TLDS)}" if domain_stem else ""
        phone, phone_e164 = self.landline(region[2]) if kind == CustomerKind.COMPANY else self.mobile()
        custom: dict[str, Any] = {}
        if kind == CustomerKind.COMPANY and rng.random() < 0.7:
            custom["size"] = rng.choice(words.COMPANY_SIZES)
        if rng.random() < 0.5:
            custom["budget"] = rng.choice([5, 10, 20, 30, 50, 80, 100, 200, 500])
        customer = Customer(
            id=plan.first_customer_id + index, name=name, kind=kind, industry=industry,
            grade=_pick(rng, words.GRADE_WEIGHTS), status=_pick(rng, words.STATUS_WEIGHTS),
            source=_pick(rng, words.SOURCE_WEIGHTS), region=f"{region[0]} {region[1]}",
            address=self.address(region) if rng.random() < 0.8 else "", phone=phone, phone_e164=phone_e164,
            email=f"{rng.choice(words.EMAIL_BOXES)}@{domain}" if domain and rng.random() < 0.7 else "",
            website=f"https://www.{domain}" if domain and rng.random() < 0.5 else "",
            notes=f"主营{rng.choice(words.INDUSTRY_WORDS[industry] or ['业务'])}，"
                  f"年营业额约 {rng.randrange(1, 50)} 亿元。" if industry and rng.random() < 0.3 else "",
            created_at=created, updated_at=created, created_by=owner,
        )
        customer.owner = owner
        customer.department_id = owner.department_id
        customer.custom = {key: customfields.clean_value(plan.custom_fields[key], value)
                           for key, value in custom.items()}
        created_event = audit.build(owner, "customer.created", customer,
                                    audit.diff({}, {**audit.snapshot(customer, CUSTOMER_FIELDS),
                                                    **({"custom": customer.custom} if customer.custom else {})}))
        self.event(created_event, created)

        contacts = [self.make_contact(customer, region, domain, created, position)
                    for position in range(rng.randint(1, MAX_CONTACTS))]
        # Newest contact first, as the services list them when they refresh the document.
        customer.search_document = customer_document(name, [c.name for c in reversed(contacts)])
        self.make_follow_ups(customer, owner, contacts)
        for tag, (_name, _color, share) in zip(plan.tags, words.TAGS, strict=True):
            if rng.random() < share:
                self.batch.tags.append((customer.pk, tag.pk))
        if rng.random() < DELETED_SHARE:
            customer.deleted_at = plan.now - dt.timedelta(days=rng.randrange(1, 30))
            customer.deleted_by = owner
            self.event(audit.build(owner, "customer.deleted", customer), customer.deleted_at)
        else:
            # The company key the collision check (防撞单) finds it by, as customer_create stores it.
            self.batch.match_keys.extend(match_key_rows(CUSTOMER_ENTITY, customer.pk, name=name))
        self.batch.customers.append(_row(customer, CUSTOMER_COLUMNS))
        self.batch.names.append(name)

    def make_contact(self, customer: Customer, region: tuple[str, str, str, list[str]], domain: str,
                     created: dt.datetime, position: int) -> Contact:
        rng = self.rng
        name = self.person_name()
        mobile, mobile_e164 = self.mobile()
        # Some contacts also give a desk phone, often the company's switchboard.
        phone, phone_e164 = "", ""
        if customer.kind == CustomerKind.COMPANY and rng.random() < 0.3:
            phone, phone_e164 = ((customer.phone, customer.phone_e164) if rng.random() < 0.3
                                 else self.landline(region[2]))
        login = "".join(syllables(name))
        if domain and rng.random() < 0.6:
            email = f"{login}@{domain}"
        elif rng.random() < 0.5:
            email = f"{login}{rng.randrange(1, 999)}@{rng.choice(words.FREE_MAIL)}"
        else:
            email = ""
        at = created + dt.timedelta(minutes=position + 1)
        contact = Contact(
            id=self.contact_id, customer_id=customer.pk, name=name,
            title=rng.choice(words.DECISION_TITLES if position == 0 else words.TITLES),
            phone=phone, phone_e164=phone_e164, mobile=mobile, mobile_e164=mobile_e164, email=email,
            wechat=f"{login}{rng.randrange(100, 9999)}" if rng.random() < 0.5 else "",
            is_decision_maker=position == 0,
            birthday=dt.date(rng.randrange(1960, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
            if rng.random() < 0.3 else None,
            created_at=at, updated_at=at, created_by=customer.owner,
        )
        contact.search_document = _person_document(name)
        self.contact_id += 1
        self.event(audit.build(customer.owner, "contact.created", contact,
                               audit.diff({}, audit.snapshot(contact, CONTACT_FIELDS)), timeline=customer), at)
        self.batch.contacts.append(_row(contact, CONTACT_COLUMNS))
        return contact

    def make_follow_ups(self, customer: Customer, owner: User, contacts: list[Contact]) -> None:
        rng, plan = self.rng, self.plan
        count = max(1, min(MAX_FOLLOW_UPS, round(rng.triangular(1, MAX_FOLLOW_UPS, plan.follow_ups))))
        earliest = max(customer.created_at, plan.now - dt.timedelta(days=FOLLOW_UP_DAYS))
        window = (plan.now - earliest).total_seconds()
        times = sorted(earliest + dt.timedelta(seconds=rng.random() * window) for _ in range(count))
        for occurred in times:
            kind = _pick(rng, words.FOLLOW_UP_KIND_WEIGHTS)
            contact = rng.choice(contacts) if rng.random() < 0.8 else None
            content = rng.choice(words.FOLLOW_UP_NOTES[kind]).format(
                contact=contact.name if contact else "对方", product=rng.choice(words.PRODUCTS),
                amount=rng.choice([3, 5, 8, 12, 20, 35, 50, 80]), days=rng.choice([3, 7, 10, 15, 30]),
            )
            follow = occurred + dt.timedelta(days=rng.randrange(3, 30)) if rng.random() < 0.6 else None
            follow_up = FollowUp(id=self.follow_up_id, customer_id=customer.pk,
                                 contact_id=contact.pk if contact else None, author=owner, kind=kind,
                                 content=content, occurred_at=occurred, next_follow_up_at=follow,
                                 created_at=occurred, updated_at=occurred)
            self.follow_up_id += 1
            # As follow_up_create does: the latest follow-up sets the customer's dates.
            customer.last_contacted_at, customer.next_follow_up_at = occurred, follow
            self.event(audit.build(owner, "follow_up.created", follow_up, {"kind": [None, kind]},
                                   timeline=customer, object_repr=follow_up_repr(follow_up)), occurred)
            self.batch.follow_ups.append(_row(follow_up, FOLLOW_UP_COLUMNS))

    def event(self, event: AuditEvent, at: dt.datetime) -> None:
        event.created_at = at
        self.batch.audit.append(_row(event, AUDIT_COLUMNS))


# The plan a worker process uses; set before the workers start (they inherit it).
_worker_plan: Plan | None = None


def set_worker_plan(plan: Plan) -> None:
    global _worker_plan
    _worker_plan = plan


def make_chunk(chunk: int, plan: Plan | None = None) -> Batch:
    plan = plan or _worker_plan
    assert plan is not None
    return ChunkMaker(plan, chunk).make()

