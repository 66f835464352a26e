"""Leads (线索) in bulk, for imports (dataquality.imports): a chunk of rows checked as lead_create checks
one lead, matched against live leads in a few queries (as the collision check's find_leads matches
them), and written with bulk inserts, one audit event and one domain event per lead.

An imported lead belongs to the owner its row names, or to the importer: imports do not go through the
assignment rules, whose round-robin would hand a whole file to whoever is next.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import events
from guanxi.core.permissions import require
from guanxi.customers.bulk import MATCHES_SHOWN, creation_changes, field_label
from guanxi.customers.choices import CustomerSource
from guanxi.dataquality.collisions import Collision
from guanxi.dataquality.imports.bulk import (
    apply_row,
    as_match,
    audit_rows,
    insert,
    insert_audit,
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
from guanxi.dataquality.imports.registry import CHOICE, USER, ImportField, ImportRow, register_importable

from .choices import EDITABLE_STATUSES, LeadStatus
from .collisions import lead_name_key
from .models import Lead
from .selectors import lead_owner_choices
from .services.leads import LEAD_FIELDS

ENTITY = "leads.lead"


class ImportableStatus:
    """The statuses an import may set: a lead becomes converted only by converting it."""

    choices = [(value, label) for value, label in LeadStatus.choices if value in EDITABLE_STATUSES]


def lead_fields() -> list[ImportField]:
    m = Lead
    return [
        ImportField("name", field_label(m, "name"), required=True, aliases=(
            "姓名", "联系人", "联系人姓名", "名字", "线索名称", "name", "contact", "contact name", "full name")),
        ImportField("company", field_label(m, "company"), aliases=(
            "公司", "公司名称", "企业名称", "单位", "单位名称", "客户名称", "company", "company name", "organisation",
            "organization")),
        ImportField("title", field_label(m, "title"), aliases=("职务", "职位", "头衔", "job title", "position")),
        ImportField("phone", field_label(m, "phone"), aliases=(
            "电话", "手机", "手机号", "联系电话", "联系方式", "tel", "telephone", "mobile", "phone number")),
        ImportField("email", field_label(m, "email"), aliases=("邮箱", "电子邮箱", "电子邮件", "e-mail", "mail")),
        ImportField("source", field_label(m, "source"), CHOICE, choices=CustomerSource,
                    aliases=("来源", "线索来源", "lead source")),
        ImportField("region", field_label(m, "region"), aliases=("地区", "区域", "省市", "所在地区", "城市", "area",
                                                            "city", "province")),
        ImportField("status", field_label(m, "status"), CHOICE, choices=ImportableStatus,
                    aliases=("状态", "线索状态", "lead status")),
        ImportField("notes", field_label(m, "notes"), aliases=("备注", "说明", "描述", "remark", "remarks", "note",
                                                          "description")),
        ImportField("owner", field_label(m, "owner"), USER, updatable=False, aliases=(
            "负责人", "所属销售", "销售", "跟进人", "owner", "sales rep", "salesperson")),
    ]


LEAD_TYPED = typed_fields(lead_fields())


def prepare_leads(rows: list[ImportRow]) -> None:
    """Each row as lead_create would build it, unsaved and without its owner; no database."""
    for row in rows:
        data = row_fields(row, LEAD_FIELDS)
        data.setdefault("status", LeadStatus.NEW)
        lead = Lead(**data)
        model_errors(row, lead, list(row.errors), LEAD_TYPED)
        lead.phone_e164 = phone_e164(row, lead.phone, "phone")
        lead.custom = dict(row.custom)
        if row.errors:
            continue
        lead.name_key = lead_name_key(lead)
        row.record = lead
        row.changes = creation_changes(lead, LEAD_FIELDS)
        row.keys = [(kind, value) for kind, value in (
            ("name", lead.name_key), ("phone", lead.phone_e164), ("email", lead.email)) if value]


def resolve_leads(actor, rows: list[ImportRow]) -> None:
    """Owners by name: the importer, or (with the right to assign leads) a user within their reach."""
    require(actor, "leads.create")
    owners = users_by_name(lead_owner_choices(actor=actor),
                           [str(r.values["owner"]) for r in rows if r.values.get("owner")])
    may_assign = actor.has_action("leads.assign")
    actor_id = getattr(actor, "pk", None)
    now = timezone.now()
    for row in rows:
        owner = named_owner(row, actor, owners)
        if owner is not None and owner.pk != actor_id:
            if not may_assign:
                row.add_error("owner", _("You may not give leads to others."))
                owner = None
            elif not owner.has_action("leads.view"):
                row.add_error("owner", _("%(user)s cannot see leads, so cannot work this one.") % {"user": owner})
                owner = None
        lead = row.record
        if lead is None or owner is None:
            row.record = None
            continue
        lead.owner_id = owner.pk
        lead.department_id = owner.department_id
        lead.assigned_at = now
        lead.created_by_id = actor_id
        row.changes["owner"] = [None, str(owner)]


def find_lead_duplicates(actor, rows: list[ImportRow]) -> None:
    """Live, unconverted leads with a row's company key, phone or email, whoever works them."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for kind, value in row.keys:
            wanted[kind].add(value)
    alive = Lead.objects.alive().exclude(status=LeadStatus.CONVERTED)
    ids: set[int] = set()
    for kind, column in (("name", "name_key"), ("phone", "phone_e164"), ("email", "email")):
        if wanted[kind]:
            ids |= set(alive.filter(**{f"{column}__in": wanted[kind]}).values_list("pk", flat=True))
    if not ids:
        return
    found = list(Lead.objects.filter(pk__in=ids).select_related("owner__department", "department"))
    visible, editable = reach(actor, Lead, [lead.pk for lead in found])
    by_key: dict[tuple[str, str], list[Lead]] = defaultdict(list)
    for lead in found:
        for key in (("name", lead.name_key), ("phone", lead.phone_e164), ("email", lead.email)):
            if key[1]:
                by_key[key].append(lead)
    for row in rows:
        reasons: dict[int, list[str]] = {}
        records: dict[int, Lead] = {}
        for kind, value in row.keys:
            for lead in by_key.get((kind, value), []):
                records[lead.pk] = lead
                reasons.setdefault(lead.pk, []).append(kind)
        for pk in sorted(records, reverse=True)[:MATCHES_SHOWN]:
            lead = records[pk]
            owner = lead.owner if lead.owner_id else None
            department = lead.department if lead.department_id else (owner.department if owner else None)
            collision = Collision(
                kind="lead", kind_label=capfirst(Lead._meta.verbose_name), reasons=reasons[pk],
                owner_name=str(owner) if owner else "", department_name=department.name if department else "",
                in_pool=owner is None, visible=pk in visible, label=str(lead) if pk in visible else "",
                record_id=pk if pk in visible else None, pool_text=gettext_lazy("In the lead pool"), record=lead)
            row.matches.append(as_match(collision, pk in editable))


def write_leads(actor, creates: list[ImportRow], updates: list[ImportRow], source: dict) -> None:
    require(actor, "leads.create")
    new = [r.record for r in creates]
    insert(Lead, new)
    audit_events = audit_rows(actor, "lead.created", new, [r.changes for r in creates], extra={"import": source})
    for row in creates:
        row.record_id = row.record.pk
    changed: list[tuple[Any, list[str]]] = []
    if updates:
        require(actor, "leads.edit")
        current = locked_for_update(Lead, updates, actor)
        for row in updates:
            lead = current.get(row.target.pk)
            if lead is None or lead.is_converted:
                row.fail(_("The matching record was deleted, converted or moved out of your reach meanwhile."))
                continue
            fields, changes = apply_row(row, lead, LEAD_FIELDS, ("phone",))
            if not changes:
                row.unchanged()
                continue
            if {"name", "company"} & set(changes):
                lead.name_key = lead_name_key(lead)
                fields.append("name_key")
            changed.append((lead, fields))
            row.record_id = lead.pk
            audit_events += audit_rows(actor, "lead.updated", [lead], [changes],
                                       extra={"import": source})
        save_updates(Lead, changed)
    insert_audit(audit_events)
    for lead in new:
        events.emit("lead.created", {"id": lead.pk, "owner": lead.owner_id})
    for lead, fields in changed:
        events.emit("lead.updated", {"id": lead.pk, "changed": sorted(set(fields))})


def register() -> None:
    """Called from LeadsConfig.ready(): leads can be imported from files."""
    register_importable(
        "leads", label=gettext_lazy("Leads"), model=Lead, fields=lead_fields(), prepare=prepare_leads,
        resolve=resolve_leads,
        duplicate_finder=find_lead_duplicates, bulk_writer=write_leads, action="leads.create",
        edit_action="leads.edit", custom_field_entity=ENTITY,
        lookups=((Lead, ("name_key", "phone_e164", "email", "status", "deleted_at")),),
    )
