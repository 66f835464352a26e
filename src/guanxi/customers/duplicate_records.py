"""The records the duplicate scan reads — customers and contacts — and how a group shows them.

Handed to the scan at start-up, since dataquality sits below customers and does not import it:
which rows are live, which an actor may see, how a record becomes a matcher `Party`, and what a
reviewer is shown of it (phones and emails masked by the customers' own rule).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import CustomFieldDefinition, CustomFieldKind
from guanxi.dataquality.choices import MatchKind
from guanxi.dataquality.duplicates.choices import DuplicateEntity
from guanxi.dataquality.duplicates.matcher import Party, contact_party, customer_party
from guanxi.dataquality.match_keys import entity_of
from guanxi.dataquality.models import MatchKey

from .masking import can_see_sensitive, email_for, phone_for
from .models import Contact, Customer

CUSTOMER_ENTITY = entity_of(Customer)
MODELS: dict[str, Any] = {DuplicateEntity.CUSTOMER: Customer, DuplicateEntity.CONTACT: Contact}
# A custom field of customers holding the unified social credit code, recognised by its key or label.
_CREDIT_CODE_FIELD = re.compile(r"uscc|credit|social|tax|信用代码|税号|纳税人识别号|注册号", re.IGNORECASE)


def id_list(ids: Iterable[int]) -> RawSQL:
    """`pk__in=id_list(ids)`: the ids written into the SQL as integers. Django prepares each parameter of a
    plain list on its own, which costs the scan more than the query; int() keeps the text safe."""
    return RawSQL(",".join(str(int(i)) for i in ids) or "NULL", [])


def live(entity: str) -> QuerySet:
    """Records that count: not in the recycle bin, nor merged away; a contact's customer alive too."""
    if entity == DuplicateEntity.CONTACT:
        return Contact.objects.alive().filter(customer__deleted_at__isnull=True)
    return Customer.objects.alive()


def visible(entity: str, actor) -> QuerySet:
    """The records of `entity` the actor may see, by the customers' data scope."""
    if not actor.has_action("customers.view"):
        return MODELS[entity].objects.none()
    return MODELS[entity].objects.visible_to(actor)


def credit_code_field() -> str:
    """The key of the customers' custom field holding the credit code, "" when there is none."""
    for key, label in CustomFieldDefinition.objects.filter(
            entity=CUSTOMER_ENTITY, is_active=True, kind=CustomFieldKind.TEXT).values_list("key", "label"):
        if _CREDIT_CODE_FIELD.search(key) or _CREDIT_CODE_FIELD.search(label):
            return key
    return ""


# -- parties for the scan --


def customer_parties(ids: Iterable[int], *, keys: dict[int, str] | None = None,
                     code_field: str = "") -> dict[int, Party]:
    """Live customers among `ids` as parties; `keys` gives company keys already read (id → key)."""
    fields = ["id", "name", "kind", "region", "address", "phone_e164", "email"]
    qs = Customer.objects.alive().filter(pk__in=id_list(ids))
    if code_field:
        qs = qs.annotate(credit_code=KT(f"custom__{code_field}"))
        fields.append("credit_code")
    keys = keys or {}
    parties = {}
    for row in qs.values_list(*fields):
        pk, name, kind, region, address, phone, email = row[:7]
        parties[pk] = customer_party(id=pk, name=name, kind=kind, region=region, address=address, phones=[phone],
                                     emails=[email], credit_code_value=str(row[7] or "") if code_field else "",
                                     name_key=keys.get(pk), e164=True)
    return parties


def company_keys(customer_ids: Iterable[int]) -> dict[int, str]:
    """The stored company key of each customer that has one."""
    rows = MatchKey.objects.filter(entity=CUSTOMER_ENTITY, kind=MatchKind.NAME, object_id__in=id_list(customer_ids))
    return dict(rows.values_list("object_id", "value"))


CONTACT_FIELDS = ["id", "customer_id", "name", "mobile_e164", "phone_e164", "email"]


def contact_from_row(row: tuple, company_key: str = "") -> Party:
    pk, customer_id, name, mobile, phone, email = row
    return contact_party(id=pk, name=name, customer_id=customer_id, company_key=company_key, phones=[mobile, phone],
                         emails=[email], e164=True)


def contact_parties(condition: Q, *, with_company_keys: bool = True) -> list[Party]:
    """Live contacts matching `condition`, each knowing its customer's company key."""
    rows = list(live(DuplicateEntity.CONTACT).filter(condition).values_list(*CONTACT_FIELDS))
    keys = company_keys({row[1] for row in rows}) if with_company_keys else {}
    return [contact_from_row(row, keys.get(row[1], "")) for row in rows]


# -- what a reviewer sees --


@dataclass
class Member:
    """One record of a group as shown side by side; `record` is None when it is gone for good."""

    id: int
    record: Any
    live: bool
    url: str
    fields: list[tuple[Any, str]]


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _customer_fields(actor, c: Customer, sensitive: bool) -> list[tuple[Any, str]]:
    return [
        (_("Name"), c.name), (_("Kind"), str(c.get_kind_display())), (_("Region"), c.region),
        (_("Address"), c.address), (_("Phone"), phone_for(actor, c.phone, sensitive=sensitive)),
        (_("Email"), email_for(actor, c.email, sensitive=sensitive)), (_("Website"), c.website),
        (_("Owner"), str(c.owner) if c.owner_id else str(_("In the customer pool"))),
        (_("Department"), c.department.name if c.department else ""),
        (_("Created"), c.created_at.strftime("%Y-%m-%d") if c.created_at else ""),
    ]


def _contact_fields(actor, c: Contact, sensitive: bool) -> list[tuple[Any, str]]:
    return [
        (_("Name"), c.name), (_("Customer"), c.customer.name), (_("Title"), c.title),
        (_("Mobile"), phone_for(actor, c.mobile, sensitive=sensitive)),
        (_("Phone"), phone_for(actor, c.phone, sensitive=sensitive)),
        (_("Email"), email_for(actor, c.email, sensitive=sensitive)),
        (_("WeChat"), c.wechat if sensitive else ("***" if c.wechat else "")),
        (_("Owner"), str(c.customer.owner) if c.customer.owner_id else str(_("In the customer pool"))),
        (_("Created"), c.created_at.strftime("%Y-%m-%d") if c.created_at else ""),
    ]


def members(entity: str, ids_by_group: dict[int, list[int]], actor, *, fields: bool = True
            ) -> dict[int, list[Member]]:
    """The members of each group, read in one query for all groups; deleted ones flagged. Without
    `fields` only names and links (a list does not show the rest)."""
    model = MODELS[entity]
    wanted = {pk for ids in ids_by_group.values() for pk in ids}
    qs = model._base_manager.filter(pk__in=wanted)
    if not fields:
        qs = qs.select_related("customer").only("name", "deleted_at", "customer__deleted_at") if (
            entity == DuplicateEntity.CONTACT) else qs.only("name", "deleted_at")
    elif entity == DuplicateEntity.CONTACT:
        qs = qs.select_related("customer__owner")
    else:
        qs = qs.select_related("owner", "department")
    found = {r.pk: r for r in qs}
    sensitive = can_see_sensitive(actor)
    out: dict[int, list[Member]] = {}
    for group_id, ids in ids_by_group.items():
        shown = []
        for pk in ids:
            record = found.get(pk)
            if record is None:
                shown.append(Member(pk, None, False, "", []))
                continue
            if entity == DuplicateEntity.CONTACT:
                alive = record.deleted_at is None and record.customer.deleted_at is None
                shown_fields = _contact_fields(actor, record, sensitive) if fields else []
                url = _url("customers:contact_edit", pk) if alive else ""
            else:
                alive = record.deleted_at is None
                shown_fields = _customer_fields(actor, record, sensitive) if fields else []
                url = _url("customers:detail", pk) if alive else ""
            shown.append(Member(pk, record, alive, url, shown_fields))
        out[group_id] = shown
    return out
