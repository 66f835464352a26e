"""Customers and contacts in bulk, for imports (dataquality.imports): a chunk of rows is checked as
customer_create and contact_create check one record, matched against existing records in a few
queries, and written with bulk inserts — with the same stored values as the services give (E.164
phones, lower-case emails, search documents, company match keys), one audit event per record and the
same domain events.

The import calls these through the registry (`register`, from CustomersConfig.ready()) after checking
the actor may import and create customers; each function checks again what it relies on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import events
from guanxi.core.permissions import require
from guanxi.dataquality.choices import MatchKind
from guanxi.dataquality.collisions import IN_CUSTOMER_POOL, Collision
from guanxi.dataquality.imports.bulk import (
    BATCH,
    apply_row,
    as_match,
    audit_rows,
    insert,
    insert_audit,
    insert_rows,
    locked_for_update,
    model_errors,
    named_owner,
    phone_e164,
    reach,
    row_fields,
    save_updates,
    typed_fields,
)
from guanxi.dataquality.imports.lookups import users_by_name
from guanxi.dataquality.imports.registry import (
    BOOLEAN,
    CHOICE,
    DATE,
    DATETIME,
    RECORD,
    USER,
    ImportField,
    ImportRow,
    register_importable,
)
from guanxi.dataquality.match_keys import MATCH_KEY_COLUMNS, entity_of, match_key_rows
from guanxi.dataquality.models import MatchKey
from guanxi.dataquality.normalise import company_name_key

from . import search
from .choices import CustomerGrade, CustomerKind, CustomerSource, CustomerStatus, Industry
from .models import Contact, Customer
from .search import customer_document
from .selectors import customer_owner_choices
from .services import CONTACT_FIELDS, CUSTOMER_FIELDS

CUSTOMER_ENTITY = entity_of(Customer)
# A row is told about at most this many matching records.
MATCHES_SHOWN = 3


def field_label(model, name: str) -> Any:
    return model._meta.get_field(name).verbose_name


def customer_fields() -> list[ImportField]:
    c = Customer
    return [
        ImportField("name", field_label(c, "name"), required=True, aliases=(
            "客户名称", "客户名", "客户", "公司名称", "公司", "企业名称", "单位名称", "名称", "company", "company name",
            "customer", "customer name", "account", "account name")),
        ImportField("kind", field_label(c, "kind"), CHOICE, choices=CustomerKind,
                    aliases=("客户类型", "类型", "类别", "type", "customer type")),
        ImportField("industry", field_label(c, "industry"), CHOICE, choices=Industry, aliases=("所属行业", "行业")),
        ImportField("grade", field_label(c, "grade"), CHOICE, choices=CustomerGrade,
                    aliases=("客户等级", "等级", "级别", "客户级别", "level", "rating")),
        ImportField("status", field_label(c, "status"), CHOICE, choices=CustomerStatus,
                    aliases=("客户状态", "状态", "stage")),
        ImportField("source", field_label(c, "source"), CHOICE, choices=CustomerSource,
                    aliases=("客户来源", "来源", "lead source")),
        ImportField("region", field_label(c, "region"), aliases=(
            "地区", "区域", "省市", "所在地区", "所在地", "城市", "省份", "area", "city", "province")),
        ImportField("address", field_label(c, "address"),
                    aliases=("详细地址", "公司地址", "联系地址", "地址", "street")),
        ImportField("phone", field_label(c, "phone"), aliases=(
            "电话", "联系电话", "公司电话", "座机", "手机", "手机号", "tel", "telephone", "phone number", "mobile")),
        ImportField("email", field_label(c, "email"), aliases=(
            "邮箱", "电子邮箱", "电子邮件", "邮件", "e-mail", "mail", "email address")),
        ImportField("website", field_label(c, "website"), aliases=("网站", "网址", "官网", "公司网站", "url", "web",
                                                              "homepage")),
        ImportField("notes", field_label(c, "notes"), aliases=("备注", "说明", "描述", "remark", "remarks", "note",
                                                          "description", "comments")),
        ImportField("owner", field_label(c, "owner"), USER, updatable=False, aliases=(
            "负责人", "所属销售", "销售", "销售员", "归属人", "跟进人", "owner", "sales rep", "salesperson",
            "account owner")),
        ImportField("next_follow_up_at", field_label(c, "next_follow_up_at"), DATETIME, aliases=(
            "下次跟进", "下次跟进时间", "下次联系时间", "next follow-up", "next follow up")),
    ]


def contact_fields() -> list[ImportField]:
    c = Contact
    return [
        ImportField("customer", field_label(c, "customer"), RECORD, required=True, updatable=False, aliases=(
            "所属客户", "客户", "客户名称", "公司", "公司名称", "单位", "customer", "company", "account",
            "customer name")),
        ImportField("name", field_label(c, "name"), required=True, aliases=(
            "姓名", "联系人", "联系人姓名", "名字", "contact", "contact name", "full name")),
        ImportField("title", field_label(c, "title"), aliases=("职务", "职位", "头衔", "job title", "position")),
        ImportField("mobile", field_label(c, "mobile"), aliases=(
            "手机", "手机号", "手机号码", "移动电话", "cell", "mobile phone")),
        ImportField("phone", field_label(c, "phone"), aliases=("电话", "座机", "办公电话", "固定电话", "tel",
                                                          "office phone")),
        ImportField("email", field_label(c, "email"), aliases=("邮箱", "电子邮箱", "电子邮件", "e-mail", "mail")),
        ImportField("wechat", field_label(c, "wechat"), aliases=("微信", "微信号", "wechat id", "weixin")),
        ImportField("is_decision_maker", field_label(c, "is_decision_maker"), BOOLEAN, aliases=(
            "决策人", "是否决策人", "关键决策人", "decision maker")),
        ImportField("birthday", field_label(c, "birthday"), DATE, aliases=("生日", "出生日期", "date of birth", "dob")),
        ImportField("notes", field_label(c, "notes"), aliases=("备注", "说明", "remark", "remarks", "note")),
    ]


# -- checking a chunk --


CUSTOMER_TYPED = typed_fields(customer_fields())
CONTACT_TYPED = typed_fields(contact_fields())


def creation_changes(obj, fields: list[str]) -> dict:
    """What the audit event of a new record says, as audit.diff({}, audit.snapshot(...)) would: every
    field that has a value, from nothing to it (the owner is added when it is known). Built directly:
    a 100,000-row import makes as many."""
    changes: dict[str, list] = {}
    for name in fields:
        if name == "owner":
            continue
        value = getattr(obj, name)
        if value is None:
            continue
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif not isinstance(value, str | bool | int | float):
            value = str(value)
        changes[name] = [None, value]
    if obj.custom:
        changes["custom"] = [None, obj.custom]
    return changes


def prepare_customers(rows: list[ImportRow]) -> None:
    """Each row as customer_create would build it, unsaved and without its owner, with its errors and
    match keys; no database (it may run in a worker process)."""
    for row in rows:
        customer = Customer(**row_fields(row, CUSTOMER_FIELDS))
        model_errors(row, customer, list(row.errors), CUSTOMER_TYPED)
        customer.phone_e164 = phone_e164(row, customer.phone, "phone")
        customer.custom = dict(row.custom)
        if row.errors:
            continue
        customer.search_document = customer_document(customer.name, [])
        row.record = customer
        row.changes = creation_changes(customer, CUSTOMER_FIELDS)
        row.keys = [(kind, value) for kind, value in (
            ("name", company_name_key(customer.name)), ("phone", customer.phone_e164), ("email", customer.email),
        ) if value]


def resolve_customers(actor, rows: list[ImportRow]) -> None:
    """Owners by name, among the users the actor may give customers to; the actor by default."""
    require(actor, "customers.create")
    owners = users_by_name(customer_owner_choices(actor=actor),
                           [str(r.values["owner"]) for r in rows if r.values.get("owner")])
    actor_id = getattr(actor, "pk", None)
    for row in rows:
        owner = named_owner(row, actor, owners)
        customer = row.record
        if customer is None or owner is None:
            row.record = None
            continue
        # Ids rather than objects: assigning a related object costs more than the rest of the row.
        customer.owner_id = owner.pk
        customer.department_id = owner.department_id
        customer.created_by_id = actor_id
        row.changes["owner"] = [None, str(owner)]


def _collision(kind: str, obj, holder: Customer, reasons: list[str], visible: bool, label: str) -> Collision:
    owner = holder.owner if holder.owner_id else None
    department = holder.department if holder.department_id else (owner.department if owner else None)
    return Collision(
        kind=kind, kind_label=capfirst(obj._meta.verbose_name), reasons=reasons,
        owner_name=str(owner) if owner else "", department_name=department.name if department else "",
        in_pool=owner is None, visible=visible, label=label if visible else "",
        record_id=obj.pk if visible else None, pool_text=IN_CUSTOMER_POOL, record=obj,
    )


def find_customer_duplicates(actor, rows: list[ImportRow]) -> None:
    """Live customers with a row's company key, phone or email, whoever owns them: four queries for the
    chunk, then two for which of them the actor sees and may edit."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for kind, value in row.keys:
            wanted[kind].add(value)
    ids: set[int] = set()
    if wanted["name"]:
        ids |= set(MatchKey.objects.filter(entity=CUSTOMER_ENTITY, kind=MatchKind.NAME, value__in=wanted["name"])
                   .values_list("object_id", flat=True))
    alive = Customer.objects.alive()
    if wanted["phone"]:
        ids |= set(alive.filter(phone_e164__in=wanted["phone"]).values_list("pk", flat=True))
    if wanted["email"]:
        ids |= set(alive.filter(email__in=wanted["email"]).values_list("pk", flat=True))
    if not ids:
        return
    found = list(alive.filter(pk__in=ids).select_related("owner__department", "department"))
    visible, editable = reach(actor, Customer, [c.pk for c in found])
    by_key: dict[tuple[str, str], list[Customer]] = defaultdict(list)
    for customer in found:
        for key in (("name", company_name_key(customer.name)), ("phone", customer.phone_e164),
                    ("email", customer.email)):
            if key[1]:
                by_key[key].append(customer)
    for row in rows:
        reasons: dict[int, list[str]] = {}
        records: dict[int, Customer] = {}
        for kind, value in row.keys:
            for customer in by_key.get((kind, value), []):
                records[customer.pk] = customer
                reasons.setdefault(customer.pk, []).append(kind)
        for pk in sorted(records, reverse=True)[:MATCHES_SHOWN]:
            customer = records[pk]
            row.matches.append(as_match(_collision("customer", customer, customer, reasons[pk], pk in visible,
                                                 customer.name), pk in editable))


# -- writing a chunk --


def write_customers(actor, creates: list[ImportRow], updates: list[ImportRow], source: dict) -> None:
    """New customers in bulk inserts, changed ones in bulk updates, each audited, keyed and announced."""
    require(actor, "customers.create")
    new = [r.record for r in creates]
    with _search_rows_in_bulk(new):
        insert(Customer, new)
    # The company key prepare_customers found is the one customer_keys_refresh would store.
    insert_rows(MatchKey, MATCH_KEY_COLUMNS, [(CUSTOMER_ENTITY, r.record.pk, MatchKind.NAME, value)
                                              for r in creates for kind, value in r.keys if kind == "name"])
    audit_events = audit_rows(actor, "customer.created", new, [r.changes for r in creates],
                              extra={"import": source})
    for row in creates:
        row.record_id = row.record.pk
    changed: list[tuple[Customer, list[str]]] = []
    renamed: list[Customer] = []
    if updates:
        require(actor, "customers.edit")
        current = locked_for_update(Customer, updates, actor)
        for row in updates:
            customer = current.get(row.target.pk)
            if customer is None:
                row.fail(_("The matching record was deleted or moved out of your reach meanwhile."))
                continue
            fields, changes = apply_row(row, customer, [f for f in CUSTOMER_FIELDS if f != "owner"], ("phone",))
            if not changes:
                row.unchanged()
                continue
            if "name" in changes:
                renamed.append(customer)
                fields.append("search_document")
            changed.append((customer, fields))
            row.record_id = customer.pk
            audit_events += audit_rows(actor, "customer.updated", [customer], [changes],
                                       extra={"import": source})
        _rename(renamed)
        save_updates(Customer, changed)
    insert_audit(audit_events)
    for customer in new:
        events.emit("customer.created", {"id": customer.pk})
    for customer, fields in changed:
        events.emit("customer.updated", {"id": customer.pk, "changed": sorted(set(fields))})


@contextmanager
def _search_rows_in_bulk(customers: list[Customer]):
    """On SQLite, the full-text rows of new customers are written in one statement after the inserts rather
    than by the insert trigger one by one, which costs twice as much. The trigger is dropped and put back
    inside the import's transaction: SQLite changes its schema transactionally, and no other connection
    can write while this one holds the write lock, so no customer is ever saved without its search row."""
    if connection.vendor != "sqlite" or len(customers) < 100:
        yield
        return
    trigger = f"{search.SQLITE_TABLE}_ai"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        yield
        cursor.executemany(f"INSERT INTO {search.SQLITE_TABLE}(rowid, search_document) VALUES (%s, %s)",
                           [(c.pk, c.search_document) for c in customers])
        cursor.execute(search._SQLITE_TRIGGERS[trigger])


def _rename(customers: list[Customer]) -> None:
    """Renamed customers: their search document (with their contacts' names) and company key."""
    if not customers:
        return
    names: dict[int, list[str]] = defaultdict(list)
    for customer_id, name in (Contact.objects.filter(customer__in=customers, deleted_at__isnull=True)
                              .order_by("-id").values_list("customer_id", "name")):
        names[customer_id].append(name)
    for customer in customers:
        customer.search_document = customer_document(customer.name, names[customer.pk][:50])
    ids = [c.pk for c in customers]
    MatchKey.objects.filter(entity=CUSTOMER_ENTITY, object_id__in=ids, kind=MatchKind.NAME).delete()
    MatchKey.objects.bulk_create([MatchKey(entity=e, object_id=i, kind=k, value=v) for c in customers
                                  for e, i, k, v in match_key_rows(CUSTOMER_ENTITY, c.pk, name=c.name)])


# -- contacts --


def _customers_named(actor, rows: list[ImportRow]) -> tuple[dict[str, list[Customer]], set[str]]:
    """Customer name or ID → the customers so called that the actor may edit; and the names of
    customers the actor sees but may not edit."""
    wanted = {str(r.values["customer"]).strip() for r in rows if r.values.get("customer")}
    ids = {int(w) for w in wanted if w.isdigit() and len(w) < 19}
    condition = Q(name__in=wanted) | Q(pk__in=ids)
    editable: dict[str, list[Customer]] = defaultdict(list)
    for customer in Customer.objects.editable_by(actor).filter(condition):
        for key in (customer.name, str(customer.pk)):
            if key in wanted:
                editable[key].append(customer)
    seen = Customer.objects.visible_to(actor).filter(condition).exclude(pk__in=[c.pk for cs in editable.values()
                                                                               for c in cs])
    read_only = {key for c in seen for key in (c.name, str(c.pk)) if key in wanted}
    return dict(editable), read_only


def prepare_contacts(rows: list[ImportRow]) -> None:
    """Each row as contact_create would build it, unsaved and without its customer; no database."""
    for row in rows:
        contact = Contact(**row_fields(row, CONTACT_FIELDS))
        model_errors(row, contact, list(row.errors), CONTACT_TYPED)
        contact.phone_e164 = phone_e164(row, contact.phone, "phone")
        contact.mobile_e164 = phone_e164(row, contact.mobile, "mobile")
        contact.custom = dict(row.custom)
        if row.errors:
            continue
        contact.search_document = customer_document(contact.name, [])
        row.record = contact
        row.changes = creation_changes(contact, CONTACT_FIELDS)
        row.keys = [(kind, value) for kind, value in (
            ("name", contact.name.casefold()), ("phone", contact.mobile_e164), ("phone", contact.phone_e164),
            ("email", contact.email)) if value]


def resolve_contacts(actor, rows: list[ImportRow]) -> None:
    """The customer each row names (by name or ID), which the actor must be able to edit."""
    require(actor, "customers.edit")
    customers, read_only = _customers_named(actor, rows)
    actor_id = getattr(actor, "pk", None)
    for row in rows:
        named = str(row.values.get("customer") or "").strip()
        found = customers.get(named, [])
        customer = found[0] if len(found) == 1 else None
        if named and customer is None:
            if len(found) > 1:
                row.add_error("customer", _("Several customers are called “%(name)s”; use the customer's ID.")
                              % {"name": named[:100]})
            elif named in read_only:
                row.add_error("customer", _("You may not edit the customer “%(name)s”.") % {"name": named[:100]})
            else:
                row.add_error("customer", _("No customer you can edit is called “%(name)s”.")
                              % {"name": named[:100]})
        contact = row.record
        if contact is None or customer is None:
            row.record = None
            continue
        contact.customer = customer
        contact.created_by_id = actor_id
        # A contact is the same person as another only at the same customer.
        row.keys = [(kind, f"{customer.pk}:{value}") for kind, value in row.keys]


def find_contact_duplicates(actor, rows: list[ImportRow]) -> None:
    """Live contacts of the same customer with the same name, phone or email: one query for the chunk."""
    customer_ids = {r.record.customer_id for r in rows}
    if not customer_ids:
        return
    names = {r.record.name for r in rows}
    phones = {v.split(":", 1)[1] for r in rows for kind, v in r.keys if kind == "phone"}
    emails = {v.split(":", 1)[1] for r in rows for kind, v in r.keys if kind == "email"}
    condition = Q(name__in=names) | Q(mobile_e164__in=phones) | Q(phone_e164__in=phones) | Q(email__in=emails)
    found = list(Contact.objects.alive().filter(condition, customer_id__in=customer_ids)
                 .select_related("customer__owner__department", "customer__department"))
    by_key: dict[tuple[str, str], list[Contact]] = defaultdict(list)
    for contact in found:
        for kind, value in (("name", contact.name.casefold()), ("phone", contact.mobile_e164),
                            ("phone", contact.phone_e164), ("email", contact.email)):
            if value:
                by_key[(kind, f"{contact.customer_id}:{value}")].append(contact)
    for row in rows:
        reasons: dict[int, list[str]] = {}
        records: dict[int, Contact] = {}
        for kind, value in row.keys:
            for contact in by_key.get((kind, value), []):
                records[contact.pk] = contact
                if kind not in reasons.setdefault(contact.pk, []):
                    reasons[contact.pk].append(kind)
        for pk in sorted(records, reverse=True)[:MATCHES_SHOWN]:
            contact = records[pk]
            # The customer is one the actor may edit (prepare_contacts made sure), so the contact is too.
            label = f"{contact.name}（{contact.customer.name}）"
            row.matches.append(as_match(_collision("contact", contact, contact.customer, reasons[pk], True, label),
                                      True))


def write_contacts(actor, creates: list[ImportRow], updates: list[ImportRow], source: dict) -> None:
    require(actor, "customers.edit")
    new = [r.record for r in creates]
    insert(Contact, new)
    audit_events = audit_rows(actor, "contact.created", new, [r.changes for r in creates], extra={"import": source},
                              timelines=[c.customer for c in new])
    for row in creates:
        row.record_id = row.record.pk
    touched = {c.customer_id: c.customer for c in new}
    changed: list[tuple[Contact, list[str]]] = []
    if updates:
        current = (Contact.objects.visible_to(actor).filter(pk__in=[r.target.pk for r in updates])
                   .filter(customer__in=Customer.objects.editable_by(actor)).select_related("customer")
                   .order_by("pk").select_for_update(of=("self",)).in_bulk())
        for row in updates:
            contact = current.get(row.target.pk)
            if contact is None:
                row.fail(_("The matching record was deleted or moved out of your reach meanwhile."))
                continue
            fields, changes = apply_row(row, contact, CONTACT_FIELDS, ("phone", "mobile"))
            if not changes:
                row.unchanged()
                continue
            if "name" in changes:
                contact.search_document = customer_document(contact.name, [])
                fields.append("search_document")
                touched[contact.customer_id] = contact.customer
            changed.append((contact, fields))
            row.record_id = contact.pk
            audit_events += audit_rows(actor, "contact.updated", [contact], [changes],
                                       extra={"import": source}, timelines=[contact.customer])
        save_updates(Contact, changed)
    _refresh_documents(list(touched.values()))
    insert_audit(audit_events)
    for contact in new:
        events.emit("contact.created", {"id": contact.pk, "customer": contact.customer_id})
    for contact, _fields_changed in changed:
        events.emit("contact.updated", {"id": contact.pk, "customer": contact.customer_id})


def _refresh_documents(customers: list[Customer]) -> None:
    """Customers whose contacts changed: their search documents name the contacts (as _refresh_search does)."""
    if not customers:
        return
    names: dict[int, list[str]] = defaultdict(list)
    for customer_id, name in (Contact.objects.filter(customer__in=customers, deleted_at__isnull=True)
                              .order_by("-id").values_list("customer_id", "name")):
        names[customer_id].append(name)
    for customer in customers:
        customer.search_document = customer_document(customer.name, names[customer.pk][:50])
    Customer.objects.bulk_update(customers, ["search_document"], batch_size=BATCH)


def register() -> None:
    """Called from CustomersConfig.ready(): customers and contacts can be imported from files."""
    register_importable(
        "customers", label=gettext_lazy("Customers"), model=Customer, fields=customer_fields(),
        prepare=prepare_customers, resolve=resolve_customers, duplicate_finder=find_customer_duplicates,
        bulk_writer=write_customers,
        action="customers.create", edit_action="customers.edit", custom_field_entity="customers.customer",
        lookups=((Customer, ("phone_e164", "email", "deleted_at")), (MatchKey, ("entity", "kind", "value"))),
    )
    register_importable(
        "contacts", label=gettext_lazy("Contacts"), model=Contact, fields=contact_fields(),
        prepare=prepare_contacts, resolve=resolve_contacts, duplicate_finder=find_contact_duplicates,
        bulk_writer=write_contacts,
        action="customers.edit", edit_action="customers.edit", custom_field_entity="customers.contact",
        lookups=((Contact, ("customer", "name", "mobile_e164", "phone_e164", "email", "deleted_at")),
                 (Customer, ("name",))),
    )
