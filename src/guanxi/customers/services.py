"""Every write to customers, contacts and tags."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, customfields, events
from guanxi.core.errors import DomainError, NotFound
from guanxi.core.models import Collaborator
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, still_visible, validate, versioned_update
from guanxi.core.text import normalise_phone
from guanxi.dataquality.collisions import collision_guard, confirmed_audit

from . import errors
from .collisions import customer_keys_refresh, customer_keys_remove
from .models import Contact, Customer, Tag
from .search import customer_document

CUSTOMER_FIELDS = [
    "name", "kind", "industry", "grade", "status", "source", "region", "address",
    "phone", "email", "website", "notes", "owner", "next_follow_up_at",
]
CONTACT_FIELDS = [
    "name", "title", "phone", "mobile", "email", "wechat", "is_decision_maker", "birthday", "notes",
]
BULK_LIMIT = 1000


def _phone_e164(value: str, field: str) -> str:
    if not value:
        return ""
    normalised = normalise_phone(value)
    if normalised is None:
        raise DomainError(errors.INVALID_PHONE, _("Please correct the errors below."),
                          {field: [_("Enter a valid phone number, e.g. 13812345678 or +86 10 8888 6666.")]})
    return normalised


def _lower_email(data: dict[str, Any]) -> None:
    if isinstance(data.get("email"), str):
        data["email"] = data["email"].strip().lower()


def _refresh_search(customer: Customer) -> None:
    names = list(customer.contacts.filter(deleted_at__isnull=True).values_list("name", flat=True)[:50])
    customer.search_document = customer_document(customer.name, names)
    Customer.objects.filter(pk=customer.pk).update(search_document=customer.search_document)


# -- customers --


def customer_create(*, actor, data: dict[str, Any], tags: list[Tag] | None = None,
                    custom: dict[str, Any] | None = None, check_duplicates: bool = False,
                    confirm_duplicate: bool = False) -> Customer:
    """`check_duplicates` runs the collision check (防撞单) first, as the forms and API do for a
    person; `confirm_duplicate` is their "save anyway" (honoured only when the policy warns)."""
    require(actor, "customers.create")
    data = dict(data)
    _lower_email(data)
    unknown = set(data) - set(CUSTOMER_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    owner = data.pop("owner", None) or (actor if getattr(actor, "pk", None) else None)
    customer = Customer(**{k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    customer.owner = owner
    customer.department_id = owner.department_id if owner else None
    customer.created_by = actor if getattr(actor, "pk", None) else None
    validate(customer)
    customer.phone_e164 = _phone_e164(customer.phone, "phone")
    customer.custom = customfields.validate("customers.customer", custom or {})
    customer.search_document = customer_document(customer.name, [])
    confirmed = collision_guard(actor=actor, name=customer.name, phone=customer.phone_e164, email=customer.email,
                                confirmed=confirm_duplicate) if check_duplicates else []
    with transaction.atomic():
        customer.save()
        customer_keys_refresh(customer)
        if tags:
            customer.tags.set(tags)
        after = audit.snapshot(customer, CUSTOMER_FIELDS)
        if customer.custom:
            after["custom"] = customer.custom
        audit.record(actor, "customer.created", customer, audit.diff({}, after),
                     extra=confirmed_audit(confirmed) if confirmed else None)
        still_visible(actor, customer)
    events.emit("customer.created", {"id": customer.pk})
    return customer


def customer_update(*, actor, customer: Customer, data: dict[str, Any], custom: dict[str, Any] | None = None,
                    tags: list[Tag] | None = None, expected_version: int | None = None,
                    check_duplicates: bool = False, confirm_duplicate: bool = False) -> Customer:
    """Change fields of a customer. Changing the owner here is a transfer and needs that right.
    With `check_duplicates`, a changed name, phone or email is checked for collisions first."""
    require(actor, "customers.edit", customer, edit=True)
    data = dict(data)
    _lower_email(data)
    if "owner" in data and data["owner"] != customer.owner:
        require(actor, "customers.transfer", customer)
    before, after = changed_fields(customer, data, CUSTOMER_FIELDS)
    validate(customer)
    fields = list(data)
    if "phone" in data:
        customer.phone_e164 = _phone_e164(customer.phone, "phone")
        fields.append("phone_e164")
    if "owner" in data:
        customer.department_id = customer.owner.department_id if customer.owner else None
        fields.append("department")
    if custom is not None:
        old_custom = dict(customer.custom)
        customer.custom = customfields.validate("customers.customer", custom, current=customer.custom)
        if customer.custom != old_custom:
            before["custom"], after["custom"] = old_custom, customer.custom
        fields.append("custom")
    changes = audit.diff(before, after)
    confirmed = []
    if check_duplicates and {"name", "phone", "email"} & set(changes):
        confirmed = collision_guard(
            actor=actor, name=customer.name if "name" in changes else "",
            phone=customer.phone_e164 if "phone" in changes else "",
            email=customer.email if "email" in changes else "", exclude=customer, confirmed=confirm_duplicate)
    with transaction.atomic():
        versioned_update(customer, fields, expected_version)
        if "name" in changes:
            _refresh_search(customer)
            customer_keys_refresh(customer)
        if tags is not None:
            old_tags = sorted(t.name for t in customer.tags.all())
            customer.tags.set(tags)
            new_tags = sorted(t.name for t in tags)
            if old_tags != new_tags:
                changes["tags"] = [old_tags, new_tags]
        audit.record(actor, "customer.updated", customer, changes,
                     extra=confirmed_audit(confirmed) if confirmed else None)
        still_visible(actor, customer)
    events.emit("customer.updated", {"id": customer.pk, "changed": sorted(changes)})
    return customer


def customer_note_deal(*, customer_id: int, at) -> None:
    """A deal was won or a contract signed: keeps the customer out of the pool's no-deal return rule.

    Called by the sales services inside their own transaction, after their own permission check;
    a conditional update, so the latest deal wins when two land at once.
    """
    Customer.objects.filter(pk=customer_id).filter(
        Q(last_deal_at__isnull=True) | Q(last_deal_at__lt=at)
    ).update(last_deal_at=at)


def customer_delete(*, actor, customer: Customer) -> None:
    """Soft delete: the customer moves to the recycle bin with its contacts and follow-ups."""
    customer_bulk_delete(actor=actor, ids=[customer.pk])


def _bulk_ids(ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if len(ids) > BULK_LIMIT:
        raise DomainError(errors.TOO_MANY, _("Choose at most %(n)d records at a time.") % {"n": BULK_LIMIT})
    return ids


def _reachable(actor, ids: list[int], *, action: str) -> list[Customer]:
    """The customers among `ids` the actor may act on; any other id answers 404 for the whole batch."""
    require(actor, action)
    found = list(Customer.objects.editable_by(actor).filter(pk__in=ids).select_related("owner"))
    if len(found) != len(ids):
        raise NotFound()
    return found


def customer_bulk_delete(*, actor, ids: list[int]) -> int:
    customers = _reachable(actor, _bulk_ids(ids), action="customers.delete")
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    with transaction.atomic():
        Customer.objects.filter(pk__in=[c.pk for c in customers]).update(deleted_at=now, deleted_by_id=actor_id)
        customer_keys_remove([c.pk for c in customers])
        audit.record_many([audit.build(actor, "customer.deleted", c) for c in customers])
    for c in customers:
        events.emit("customer.deleted", {"id": c.pk})
    return len(customers)


def customer_restore(*, actor, customer: Customer) -> Customer:
    require(actor, "customers.delete")
    if not Customer.objects.deleted().within_scope(actor).filter(pk=customer.pk).exists():
        raise NotFound()
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(deleted_at=None, deleted_by=None)
        customer.deleted_at = None
        customer_keys_refresh(customer)
        audit.record(actor, "customer.restored", customer)
    events.emit("customer.restored", {"id": customer.pk})
    return customer


def customer_purge(*, actor, customer: Customer) -> None:
    """Delete for good from the recycle bin; only admins, and audited."""
    require(actor, "customers.purge")
    if not Customer.objects.deleted().within_scope(actor).filter(pk=customer.pk).exists():
        raise NotFound()
    with transaction.atomic():
        audit.record(actor, "customer.purged", customer, extra={"name": customer.name})
        customer_keys_remove([customer.pk])
        Collaborator.objects.filter(content_type=ContentType.objects.get_for_model(Customer),
                                    object_id=customer.pk).delete()
        customer.delete()


def customer_bulk_transfer(*, actor, ids: list[int], owner) -> int:
    """Give customers to another owner (e.g. when a seller leaves), with one audit event each."""
    customers = _reachable(actor, _bulk_ids(ids), action="customers.transfer")
    if owner is None or not owner.is_active:
        raise DomainError("invalid", _("Choose an active user to transfer to."),
                          {"owner": [_("Choose an active user to transfer to.")]})
    moving = [c for c in customers if c.owner_id != owner.pk]
    with transaction.atomic():
        Customer.objects.filter(pk__in=[c.pk for c in moving]).update(
            owner=owner, department_id=owner.department_id, updated_at=timezone.now()
        )
        audit.record_many([
            audit.build(actor, "customer.transferred", c, {"owner": [str(c.owner) if c.owner else None, str(owner)]})
            for c in moving
        ])
    for c in moving:
        events.emit("customer.transferred", {"id": c.pk, "owner": owner.pk})
    return len(moving)


def customer_bulk_add_tag(*, actor, ids: list[int], tag: Tag) -> int:
    customers = _reachable(actor, _bulk_ids(ids), action="customers.edit")
    through = Customer.tags.through
    have = set(through.objects.filter(tag=tag, customer_id__in=[c.pk for c in customers])
               .values_list("customer_id", flat=True))
    adding = [c for c in customers if c.pk not in have]
    with transaction.atomic():
        through.objects.bulk_create([through(customer_id=c.pk, tag_id=tag.pk) for c in adding])
        audit.record_many([audit.build(actor, "customer.tagged", c, {"tags": [None, tag.name]}) for c in adding])
    return len(adding)


def customer_set_collaborator(*, actor, customer: Customer, user, can_edit: bool) -> Collaborator:
    require(actor, "customers.edit", customer, edit=True)
    if user.pk == customer.owner_id:
        raise DomainError("invalid", _("The owner is already on this customer's team."))
    ct = ContentType.objects.get_for_model(Customer)
    with transaction.atomic():
        member, _created = Collaborator.objects.update_or_create(
            content_type=ct, object_id=customer.pk, user=user, defaults={"can_edit": can_edit}
        )
        audit.record(actor, "customer.collaborator_set", customer,
                     {"collaborator": [None, f"{user} ({_('can edit') if can_edit else _('read only')})"]})
    return member


def customer_remove_collaborator(*, actor, customer: Customer, user) -> None:
    require(actor, "customers.edit", customer, edit=True)
    ct = ContentType.objects.get_for_model(Customer)
    with transaction.atomic():
        deleted, _rows = Collaborator.objects.filter(content_type=ct, object_id=customer.pk, user=user).delete()
        if deleted:
            audit.record(actor, "customer.collaborator_removed", customer, {"collaborator": [str(user), None]})


# -- tags --


def tag_create(*, actor, name: str, color: str = "#3b82f6") -> Tag:
    require(actor, "customers.edit")
    name = (name or "").strip()
    existing = Tag.objects.filter(name=name).first()
    if existing:
        return existing
    tag = Tag(name=name, color=color or "#3b82f6")
    validate(tag)
    with transaction.atomic():
        tag.save()
        audit.record(actor, "tag.created", tag)
    return tag


def tag_delete(*, actor, tag: Tag) -> None:
    require(actor, "org.manage_custom_fields")
    with transaction.atomic():
        audit.record(actor, "tag.deleted", tag)
        tag.delete()


# -- contacts --


def contact_create(*, actor, customer: Customer, data: dict[str, Any], custom: dict[str, Any] | None = None,
                   check_duplicates: bool = False, confirm_duplicate: bool = False) -> Contact:
    """`check_duplicates`: the contact's phones and email are checked against other customers first."""
    require(actor, "customers.edit", customer, edit=True)
    data = dict(data)
    _lower_email(data)
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    contact = Contact(customer=customer, **{k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    contact.created_by = actor if getattr(actor, "pk", None) else None
    validate(contact)
    contact.phone_e164 = _phone_e164(contact.phone, "phone")
    contact.mobile_e164 = _phone_e164(contact.mobile, "mobile")
    contact.custom = customfields.validate("customers.contact", custom or {})
    contact.search_document = customer_document(contact.name, [])
    confirmed = collision_guard(actor=actor, phone=contact.mobile_e164, phones=[contact.phone_e164],
                                email=contact.email, exclude=customer,
                                confirmed=confirm_duplicate) if check_duplicates else []
    with transaction.atomic():
        contact.save()
        audit.record(actor, "contact.created", contact, audit.diff({}, audit.snapshot(contact, CONTACT_FIELDS)),
                     timeline=customer, extra=confirmed_audit(confirmed) if confirmed else None)
        _refresh_search(customer)
    events.emit("contact.created", {"id": contact.pk, "customer": customer.pk})
    return contact


def contact_update(*, actor, contact: Contact, data: dict[str, Any], custom: dict[str, Any] | None = None,
                   expected_version: int | None = None, check_duplicates: bool = False,
                   confirm_duplicate: bool = False) -> Contact:
    require(actor, "customers.edit", contact.customer, edit=True)
    if not Contact.objects.visible_to(actor).filter(pk=contact.pk).exists():
        raise NotFound()
    data = dict(data)
    _lower_email(data)
    before, after = changed_fields(contact, data, CONTACT_FIELDS)
    validate(contact)
    fields = list(data)
    for field in ("phone", "mobile"):
        if field in data:
            setattr(contact, f"{field}_e164", _phone_e164(getattr(contact, field), field))
            fields.append(f"{field}_e164")
    if custom is not None:
        old_custom = dict(contact.custom)
        contact.custom = customfields.validate("customers.contact", custom, current=contact.custom)
        if contact.custom != old_custom:
            before["custom"], after["custom"] = old_custom, contact.custom
        fields.append("custom")
    changes = audit.diff(before, after)
    confirmed = []
    if check_duplicates and {"phone", "mobile", "email"} & set(changes):
        confirmed = collision_guard(
            actor=actor, phone=contact.mobile_e164 if "mobile" in changes else "",
            phones=[contact.phone_e164] if "phone" in changes else [],
            email=contact.email if "email" in changes else "", exclude=contact.customer,
            confirmed=confirm_duplicate)
    with transaction.atomic():
        if "name" in data:
            contact.search_document = customer_document(contact.name, [])
            fields.append("search_document")
        versioned_update(contact, fields, expected_version)
        audit.record(actor, "contact.updated", contact, changes, timeline=contact.customer,
                     extra=confirmed_audit(confirmed) if confirmed else None)
        if "name" in changes:
            _refresh_search(contact.customer)
    events.emit("contact.updated", {"id": contact.pk, "customer": contact.customer_id})
    return contact


def contact_delete(*, actor, contact: Contact) -> None:
    require(actor, "customers.edit", contact.customer, edit=True)
    with transaction.atomic():
        updated = Contact.objects.filter(pk=contact.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), deleted_by_id=getattr(actor, "pk", None)
        )
        if not updated:
            raise NotFound()
        audit.record(actor, "contact.deleted", contact, timeline=contact.customer)
        _refresh_search(contact.customer)
    events.emit("contact.deleted", {"id": contact.pk, "customer": contact.customer_id})


def contact_restore(*, actor, contact: Contact) -> Contact:
    require(actor, "customers.edit", contact.customer, edit=True)
    with transaction.atomic():
        updated = Contact.objects.filter(pk=contact.pk, deleted_at__isnull=False).update(deleted_at=None,
                                                                                         deleted_by=None)
        if not updated:
            raise NotFound()
        audit.record(actor, "contact.restored", contact, timeline=contact.customer)
        _refresh_search(contact.customer)
    return contact
