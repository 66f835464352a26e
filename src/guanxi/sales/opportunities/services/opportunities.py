"""Writes of opportunities (商机): create, edit, move between stages, product lines, team, transfer,
delete and restore.

The amount of an opportunity with product lines is the sum of its lines (quantity × unit price,
each rounded to the cent) and cannot be typed; without lines the seller types it. Removing the
last line keeps the amount it had, so it can then be typed again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, customfields, events
from guanxi.core.errors import DomainError, NotFound
from guanxi.core.models import Collaborator
from guanxi.core.money import round_money
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, still_visible, validate, versioned_update
from guanxi.customers.models import Contact, Customer
from guanxi.customers.services import customer_note_deal
from guanxi.sales.products.models import Product
from guanxi.sales.products.pricing import product_price_for

from .. import errors
from ..choices import OpportunityStatus, StageKind
from ..models import LostReason, Opportunity, OpportunityLine, Pipeline, Stage, StageChange
from .pipelines import pipeline_default

ENTITY = "opportunities.opportunity"
CREATE_FIELDS = ["name", "customer", "amount", "currency", "expected_close_date", "pipeline", "stage", "owner",
                 "source", "competitors", "notes", "probability", "lost_reason", "lost_note"]
UPDATE_FIELDS = ["name", "customer", "amount", "currency", "expected_close_date", "owner", "source", "competitors",
                 "notes", "probability", "lost_reason", "lost_note"]
AUDITED = ["name", "customer", "amount", "currency", "expected_close_date", "pipeline", "stage", "status", "owner",
           "source", "competitors", "notes", "probability", "lost_reason", "lost_note"]
MAX_LINES = 200
BULK_LIMIT = 1000


def _invalid(errors_: dict[str, list[str]], code: str = "invalid") -> DomainError:
    return DomainError(code, _("Please correct the errors below."), errors_)


def _actor_user(actor):
    return actor if getattr(actor, "pk", None) else None


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


def _check_customer(actor, customer: Customer | None) -> None:
    if customer is None or not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise _invalid({"customer": [_("Choose a customer you can see.")]})


def _check_contacts(customer: Customer, contacts: list[Contact]) -> list[Contact]:
    contacts = list(dict.fromkeys(contacts))
    alive = set(Contact.objects.filter(pk__in=[c.pk for c in contacts], customer=customer,
                                       deleted_at__isnull=True).values_list("pk", flat=True))
    if len(alive) != len(contacts):
        raise _invalid({"contacts": [_("Choose contacts of this opportunity's customer.")]})
    return contacts


def _check_stage(pipeline: Pipeline, stage: Stage) -> None:
    if stage.pipeline_id != pipeline.pk or not stage.is_active:
        raise _invalid({"stage": [_("Choose an active stage of the opportunity's pipeline.")]})


def _first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(is_active=True, kind=StageKind.OPEN).order_by("position", "id").first()
    if stage is None:
        raise _invalid({"pipeline": [_("This pipeline has no open stage.")]})
    return stage


def _lost_reason_or_error(reason: LostReason | None) -> LostReason:
    if reason is None or not reason.is_active:
        raise DomainError(errors.LOST_REASON_REQUIRED, _("Say why this opportunity was lost."),
                          {"lost_reason": [_("Choose why this opportunity was lost.")]})
    return reason


def _apply_stage(opportunity: Opportunity, stage: Stage, *, lost_reason: LostReason | None, lost_note: str,
                 now) -> None:
    """Status, probability, closing time and lost reason that follow from entering `stage`."""
    opportunity.stage = stage
    opportunity.pipeline_id = stage.pipeline_id
    opportunity.status = stage.kind
    opportunity.stage_entered_at = now
    if stage.kind == StageKind.OPEN:
        if not opportunity.probability_overridden:
            opportunity.probability = stage.probability
        opportunity.closed_at = None
        opportunity.lost_reason, opportunity.lost_note = None, ""
    else:
        # A closed deal is certain either way: the stage's 100 % or 0 % replaces any typed probability.
        opportunity.probability = stage.probability
        opportunity.probability_overridden = False
        opportunity.closed_at = now
        if stage.kind == StageKind.LOST:
            opportunity.lost_reason = _lost_reason_or_error(lost_reason)
            opportunity.lost_note = (lost_note or "").strip()
        else:
            opportunity.lost_reason, opportunity.lost_note = None, ""


def _apply_probability(opportunity: Opportunity, probability: int | None) -> None:
    """A typed probability other than the stage's is kept across stage changes; None goes back to the stage's."""
    if probability is None or opportunity.status != OpportunityStatus.OPEN:
        opportunity.probability = opportunity.stage.probability if probability is None else opportunity.probability
        opportunity.probability_overridden = False
        return
    opportunity.probability = probability
    opportunity.probability_overridden = probability != opportunity.stage.probability


def _build_lines(lines: list[dict[str, Any]], *, customer: Customer, currency: str) -> list[OpportunityLine]:
    """Product lines from plain dicts; a line without a unit price takes the customer's price of its product."""
    if len(lines) > MAX_LINES:
        raise _invalid({"lines": [_("At most %(n)d product lines.") % {"n": MAX_LINES}]})
    built: list[OpportunityLine] = []
    field_errors: dict[str, list[str]] = {}
    for i, raw in enumerate(lines):
        unknown = set(raw) - {"product", "description", "quantity", "unit_price"}
        if unknown:
            field_errors[f"lines.{i}"] = [_("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))}]
            continue
        product: Product | None = raw.get("product")
        unit_price = raw.get("unit_price")
        if unit_price is None:
            if product is None:
                field_errors[f"lines.{i}.unit_price"] = [_("Enter a unit price.")]
                continue
            unit_price, price_currency = product_price_for(product=product, customer=customer)
            if price_currency != currency:
                field_errors[f"lines.{i}.unit_price"] = [
                    _("This product is priced in %(product)s; enter a unit price in %(currency)s.")
                    % {"product": price_currency, "currency": currency}]
                continue
        description = (raw.get("description") or "").strip() or (product.name[:200] if product else "")
        quantity = raw.get("quantity")
        line = OpportunityLine(product=product, description=description,
                               quantity=Decimal(1) if quantity is None else quantity, unit_price=unit_price,
                               position=i)
        if not line.description and product is None:
            field_errors[f"lines.{i}.description"] = [_("Choose a product or describe the line.")]
            continue
        try:
            validate(line, exclude=["opportunity"])
        except DomainError as exc:
            for field, messages in exc.errors.items():
                field_errors[f"lines.{i}.{field}"] = messages
            continue
        built.append(line)
    if field_errors:
        raise _invalid(field_errors)
    return built


def _lines_total(lines) -> Decimal:
    return round_money(sum((round_money(line.quantity * line.unit_price) for line in lines), Decimal(0)))


def _check_amount(amount: Any) -> None:
    if amount is None:
        raise _invalid({"amount": [_("Enter an amount, 0 if not known yet.")]})


# -- create and edit --


def opportunity_create(*, actor, data: dict[str, Any], contacts: list | None = None,
                       lines: list[dict] | None = None, custom: dict[str, Any] | None = None,
                       now=None) -> Opportunity:
    """A new opportunity in `pipeline` (default: the default pipeline) at `stage` (default: its first
    open stage), owned by `owner` (default: the actor). `lines` are product lines
    ({"product", "description", "quantity", "unit_price"}); with lines the amount is their sum."""
    require(actor, "opportunities.create")
    data = _strip(dict(data))
    unknown = set(data) - set(CREATE_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    customer = data.pop("customer", None)
    _check_customer(actor, customer)
    pipeline = data.pop("pipeline", None) or pipeline_default()
    if not pipeline.is_active:
        raise _invalid({"pipeline": [_("Choose an active pipeline.")]})
    stage = data.pop("stage", None) or _first_open_stage(pipeline)
    _check_stage(pipeline, stage)
    probability = data.pop("probability", None)
    lost_reason, lost_note = data.pop("lost_reason", None), data.pop("lost_note", "")
    owner = data.pop("owner", None) or _actor_user(actor)
    data.setdefault("amount", Decimal(0))
    _check_amount(data["amount"])
    opportunity = Opportunity(customer=customer, pipeline=pipeline, stage=stage, owner=owner,
                              department_id=owner.department_id if owner else None,
                              created_by=_actor_user(actor), **data)
    now = now or timezone.now()
    _apply_stage(opportunity, stage, lost_reason=lost_reason, lost_note=lost_note, now=now)
    if probability is not None:
        _apply_probability(opportunity, probability)
    built = _build_lines(lines or [], customer=customer, currency=opportunity.currency)
    if built:
        opportunity.amount = _lines_total(built)
    validate(opportunity)
    contact_list = _check_contacts(customer, list(contacts or []))
    opportunity.custom = customfields.validate(ENTITY, custom or {})
    with transaction.atomic():
        opportunity.save()
        if contact_list:
            opportunity.contacts.set(contact_list)
        for line in built:
            line.opportunity = opportunity
        OpportunityLine.objects.bulk_create(built)
        StageChange.objects.create(opportunity=opportunity, from_stage=None, to_stage=stage,
                                   changed_by=_actor_user(actor), changed_at=now, seconds_in_previous=0)
        if opportunity.status == OpportunityStatus.WON:
            customer_note_deal(customer_id=customer.pk, at=now)
        after = audit.snapshot(opportunity, AUDITED)
        if opportunity.custom:
            after["custom"] = opportunity.custom
        audit.record(actor, "opportunity.created", opportunity, audit.diff({}, after))
        still_visible(actor, opportunity)
    events.emit("opportunity.created", {"id": opportunity.pk, "customer": customer.pk})
    if opportunity.status == OpportunityStatus.WON:
        events.emit("opportunity.won", {"id": opportunity.pk, "customer": customer.pk})
    return opportunity


def opportunity_update(*, actor, opportunity: Opportunity, data: dict[str, Any], contacts: list | None = None,
                       custom: dict[str, Any] | None = None, expected_version: int | None = None) -> Opportunity:
    """Change fields. The stage changes only through `opportunity_move`; a new owner is a transfer.

    `probability`: a number keeps it across stage changes; None goes back to the stage's probability.
    """
    require(actor, "opportunities.edit", opportunity, edit=True)
    data = _strip(dict(data))
    if "owner" in data and data["owner"] != opportunity.owner:
        require(actor, "opportunities.transfer", opportunity)
    if "customer" in data and data["customer"] != opportunity.customer:
        _check_customer(actor, data["customer"])
    if "amount" in data:
        _check_amount(data["amount"])
        if data["amount"] != opportunity.amount and opportunity.lines.exists():
            raise DomainError(errors.AMOUNT_FROM_LINES, _("Please correct the errors below."),
                              {"amount": [_("The amount is the sum of the product lines; change the lines "
                                            "instead.")]})
    if "lost_reason" in data and opportunity.status == OpportunityStatus.LOST:
        _lost_reason_or_error(data["lost_reason"])
    elif opportunity.status != OpportunityStatus.LOST:
        data.pop("lost_reason", None)
        data.pop("lost_note", None)
    probability_given = "probability" in data
    probability = data.pop("probability", None)
    before, after = changed_fields(opportunity, data, UPDATE_FIELDS)
    fields = list(data)
    if probability_given:
        before["probability"] = opportunity.probability
        _apply_probability(opportunity, probability)
        after["probability"] = opportunity.probability
        fields += ["probability", "probability_overridden"]
    validate(opportunity)
    if "owner" in data:
        opportunity.department_id = opportunity.owner.department_id if opportunity.owner else None
        fields.append("department")
    contact_list = None
    if contacts is not None or "customer" in data:
        wanted = list(contacts) if contacts is not None else [
            c for c in opportunity.contacts.all() if c.customer_id == opportunity.customer_id]
        contact_list = _check_contacts(opportunity.customer, wanted)
    if custom is not None:
        old_custom = dict(opportunity.custom)
        opportunity.custom = customfields.validate(ENTITY, custom, current=opportunity.custom)
        if opportunity.custom != old_custom:
            before["custom"], after["custom"] = old_custom, opportunity.custom
        fields.append("custom")
    changes = audit.diff(before, after)
    with transaction.atomic():
        versioned_update(opportunity, fields, expected_version)
        if contact_list is not None:
            old = sorted(str(c) for c in opportunity.contacts.all())
            opportunity.contacts.set(contact_list)
            new = sorted(str(c) for c in contact_list)
            if old != new:
                changes["contacts"] = [old, new]
        audit.record(actor, "opportunity.updated", opportunity, changes)
        still_visible(actor, opportunity)
    events.emit("opportunity.updated", {"id": opportunity.pk, "changed": sorted(changes)})
    return opportunity


# -- stages --


def opportunity_move(*, actor, opportunity: Opportunity, stage: Stage, lost_reason: LostReason | None = None,
                     lost_note: str = "", expected_version: int | None = None, now=None) -> Opportunity:
    """Move to another stage (of this or another active pipeline), recording the time spent in the
    one it leaves. A lost stage needs a lost reason; a won stage notes the deal on the customer."""
    require(actor, "opportunities.edit", opportunity, edit=True)
    if not stage.is_active or not stage.pipeline.is_active:
        raise _invalid({"stage": [_("Choose an active stage.")]})
    if stage.pk == opportunity.stage_id:
        return opportunity
    now = now or timezone.now()
    old_stage = opportunity.stage
    before = audit.snapshot(opportunity, ["stage", "status", "probability", "lost_reason"])
    entered = opportunity.stage_entered_at or opportunity.created_at or now
    seconds = max(0, int((now - entered).total_seconds()))
    _apply_stage(opportunity, stage, lost_reason=lost_reason, lost_note=lost_note, now=now)
    fields = ["stage", "pipeline", "status", "probability", "probability_overridden", "closed_at", "lost_reason",
              "lost_note", "stage_entered_at"]
    changes = audit.diff(before, audit.snapshot(opportunity, ["stage", "status", "probability", "lost_reason"]))
    if opportunity.lost_note:
        changes["lost_note"] = [None, opportunity.lost_note]
    with transaction.atomic():
        versioned_update(opportunity, fields, expected_version)
        StageChange.objects.create(opportunity=opportunity, from_stage=old_stage, to_stage=stage,
                                   changed_by=_actor_user(actor), changed_at=now, seconds_in_previous=seconds)
        if opportunity.status == OpportunityStatus.WON:
            customer_note_deal(customer_id=opportunity.customer_id, at=now)
        audit.record(actor, "opportunity.moved", opportunity, changes)
        still_visible(actor, opportunity)
    events.emit("opportunity.moved", {"id": opportunity.pk, "stage": stage.pk, "from_stage": old_stage.pk})
    if opportunity.status != OpportunityStatus.OPEN:
        events.emit(f"opportunity.{opportunity.status}", {"id": opportunity.pk, "customer": opportunity.customer_id})
    return opportunity


# -- product lines --


def _save_lines(actor, opportunity: Opportunity, lines: list[OpportunityLine], *, removed: list[OpportunityLine],
                expected_version: int | None, action: str) -> Opportunity:
    with transaction.atomic():
        if removed:
            OpportunityLine.objects.filter(pk__in=[line.pk for line in removed]).delete()
        new = [line for line in lines if line.pk is None]
        for line in new:
            line.opportunity = opportunity
        OpportunityLine.objects.bulk_create(new)
        remaining = list(OpportunityLine.objects.filter(opportunity=opportunity))
        old_amount = opportunity.amount
        if remaining:
            opportunity.amount = _lines_total(remaining)
        versioned_update(opportunity, ["amount"], expected_version)
        changes: dict[str, Any] = {"lines": [[str(line) for line in removed] or None,
                                             [str(line) for line in new] or None]}
        if opportunity.amount != old_amount:
            changes["amount"] = [str(old_amount), str(opportunity.amount)]
        audit.record(actor, action, opportunity, changes)
    events.emit("opportunity.updated", {"id": opportunity.pk, "changed": ["amount", "lines"]})
    return opportunity


def opportunity_set_lines(*, actor, opportunity: Opportunity, lines: list[dict[str, Any]],
                          expected_version: int | None = None) -> Opportunity:
    """Replace all product lines; the amount becomes their sum (kept as it was when `lines` is empty)."""
    require(actor, "opportunities.edit", opportunity, edit=True)
    built = _build_lines(lines, customer=opportunity.customer, currency=opportunity.currency)
    for i, line in enumerate(built):
        line.position = i
    return _save_lines(actor, opportunity, built, removed=list(opportunity.lines.all()),
                       expected_version=expected_version, action="opportunity.lines_set")


def opportunity_add_line(*, actor, opportunity: Opportunity, line: dict[str, Any],
                         expected_version: int | None = None) -> Opportunity:
    require(actor, "opportunities.edit", opportunity, edit=True)
    existing = list(opportunity.lines.all())
    if len(existing) >= MAX_LINES:
        raise _invalid({"lines": [_("At most %(n)d product lines.") % {"n": MAX_LINES}]})
    try:
        built = _build_lines([line], customer=opportunity.customer, currency=opportunity.currency)
    except DomainError as exc:
        # One line: name its fields plainly, as the form shows them.
        raise _invalid({k.removeprefix("lines.0").removeprefix(".") or "__all__": v for k, v in exc.errors.items()}
                       ) from None
    built[0].position = max([line_.position for line_ in existing], default=-1) + 1
    return _save_lines(actor, opportunity, [*existing, *built], removed=[], expected_version=expected_version,
                       action="opportunity.line_added")


def opportunity_remove_line(*, actor, opportunity: Opportunity, line_id: int,
                            expected_version: int | None = None) -> Opportunity:
    require(actor, "opportunities.edit", opportunity, edit=True)
    line = opportunity.lines.filter(pk=line_id).first()
    if line is None:
        raise NotFound()
    return _save_lines(actor, opportunity, [], removed=[line], expected_version=expected_version,
                       action="opportunity.line_removed")


# -- team --


def opportunity_set_collaborator(*, actor, opportunity: Opportunity, user, can_edit: bool) -> Collaborator:
    require(actor, "opportunities.edit", opportunity, edit=True)
    if user.pk == opportunity.owner_id:
        raise DomainError("invalid", _("The owner is already on this opportunity's team."))
    ct = ContentType.objects.get_for_model(Opportunity)
    with transaction.atomic():
        member, _created = Collaborator.objects.update_or_create(
            content_type=ct, object_id=opportunity.pk, user=user, defaults={"can_edit": can_edit})
        audit.record(actor, "opportunity.collaborator_set", opportunity,
                     {"collaborator": [None, f"{user} ({_('can edit') if can_edit else _('read only')})"]})
    return member


def opportunity_remove_collaborator(*, actor, opportunity: Opportunity, user) -> None:
    require(actor, "opportunities.edit", opportunity, edit=True)
    ct = ContentType.objects.get_for_model(Opportunity)
    with transaction.atomic():
        deleted, _rows = Collaborator.objects.filter(content_type=ct, object_id=opportunity.pk, user=user).delete()
        if deleted:
            audit.record(actor, "opportunity.collaborator_removed", opportunity, {"collaborator": [str(user), None]})


# -- transfer, delete, restore --


def _bulk_ids(ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if len(ids) > BULK_LIMIT:
        raise DomainError(errors.TOO_MANY, _("Choose at most %(n)d records at a time.") % {"n": BULK_LIMIT})
    return ids


def _reachable(actor, ids: list[int], *, action: str) -> list[Opportunity]:
    """The opportunities among `ids` the actor may act on; any other id answers 404 for the whole batch."""
    require(actor, action)
    found = list(Opportunity.objects.editable_by(actor).filter(pk__in=ids).select_related("owner"))
    if len(found) != len(ids):
        raise NotFound()
    return found


def opportunity_bulk_transfer(*, actor, ids: list[int], owner) -> int:
    """Give opportunities to another owner (转移), with one audit event each; returns how many moved."""
    opportunities = _reachable(actor, _bulk_ids(ids), action="opportunities.transfer")
    if owner is None or not owner.is_active:
        raise _invalid({"owner": [_("Choose an active user to transfer to.")]})
    moving = [o for o in opportunities if o.owner_id != owner.pk]
    with transaction.atomic():
        Opportunity.objects.filter(pk__in=[o.pk for o in moving]).update(
            owner=owner, department_id=owner.department_id, updated_at=timezone.now())
        audit.record_many([
            audit.build(actor, "opportunity.transferred", o, {"owner": [str(o.owner) if o.owner else None,
                                                                       str(owner)]})
            for o in moving
        ])
    for o in moving:
        events.emit("opportunity.transferred", {"id": o.pk, "owner": owner.pk})
    return len(moving)


def opportunity_bulk_delete(*, actor, ids: list[int]) -> int:
    """Soft delete: the opportunities move to the recycle bin."""
    opportunities = _reachable(actor, _bulk_ids(ids), action="opportunities.delete")
    now = timezone.now()
    with transaction.atomic():
        Opportunity.objects.filter(pk__in=[o.pk for o in opportunities]).update(
            deleted_at=now, deleted_by_id=getattr(actor, "pk", None))
        audit.record_many([audit.build(actor, "opportunity.deleted", o) for o in opportunities])
    for o in opportunities:
        events.emit("opportunity.deleted", {"id": o.pk})
    return len(opportunities)


def opportunity_delete(*, actor, opportunity: Opportunity) -> None:
    opportunity_bulk_delete(actor=actor, ids=[opportunity.pk])


def opportunity_restore(*, actor, opportunity: Opportunity) -> Opportunity:
    require(actor, "opportunities.delete")
    if not Opportunity.objects.deleted().within_scope(actor).filter(pk=opportunity.pk).exists():
        raise NotFound()
    if opportunity.customer.deleted_at is not None:
        raise DomainError("customer_deleted", _("Its customer is in the recycle bin; restore the customer first."))
    with transaction.atomic():
        Opportunity.objects.filter(pk=opportunity.pk).update(deleted_at=None, deleted_by=None)
        opportunity.deleted_at = None
        audit.record(actor, "opportunity.restored", opportunity)
    events.emit("opportunity.restored", {"id": opportunity.pk})
    return opportunity


def opportunity_purge(*, actor, opportunity: Opportunity) -> None:
    """Delete for good from the recycle bin; audited. Refused while quotes or contracts refer to it."""
    require(actor, "opportunities.purge")
    if not Opportunity.objects.deleted().within_scope(actor).filter(pk=opportunity.pk).exists():
        raise NotFound()
    try:
        with transaction.atomic():
            audit.record(actor, "opportunity.purged", opportunity, extra={"name": opportunity.name})
            Collaborator.objects.filter(content_type=ContentType.objects.get_for_model(Opportunity),
                                        object_id=opportunity.pk).delete()
            opportunity.delete()
    except ProtectedError:
        raise DomainError(errors.IN_USE, _("Quotes or contracts still refer to this opportunity, so it cannot be "
                                           "purged.")) from None
