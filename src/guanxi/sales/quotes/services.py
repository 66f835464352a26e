"""Every write of quotes (报价单): create, edit, delete, the status steps, approval and revisions.

Statuses: draft → (submit) pending approval, or approved at once when no approval flow matches →
sent → accepted or rejected (the customer's answer). Only the latest version of a number, while a
draft, is edited; a revision copies it into a new draft with the same number and the next revision.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.numbering import next_number
from guanxi.core.permissions import require
from guanxi.core.records import changed_fields, still_visible, validate, versioned_update
from guanxi.customers.models import Contact, Customer
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.products.pricing import product_prices_for

from . import totals
from .choices import QuoteStatus
from .models import Quote, QuoteLine

QUOTE_FIELDS = ["title", "customer", "contact", "opportunity", "currency", "valid_until", "terms", "notes", "owner"]
LINE_FIELDS = ["product", "description", "unit", "quantity", "unit_price", "discount_percent", "tax_rate"]
AUDITED = ["title", "customer", "contact", "opportunity", "currency", "valid_until", "terms", "notes", "owner",
           "total"]
TOTAL_FIELDS = ["subtotal", "discount_total", "tax_total", "total", "max_discount_percent"]
MAX_LINES = 200
# A new version may be made of a quote the customer has seen or could see; accepted is final.
REVISABLE: set[str] = {QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.REJECTED}


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    return DomainError("invalid", _("Please correct the errors below."), errors)


def _actor_user(actor):
    return actor if getattr(actor, "pk", None) else None


# -- checks --


def _check_links(actor, quote: Quote) -> None:
    """The customer, contact and opportunity must be visible to the actor and belong together."""
    errors: dict[str, list[str]] = {}
    if quote.customer_id is None or not Customer.objects.visible_to(actor).filter(pk=quote.customer_id).exists():
        raise _invalid({"customer": [_("Choose one of the available options.")]})
    if quote.contact_id is not None:
        contact = Contact.objects.visible_to(actor).filter(pk=quote.contact_id).values("customer_id").first()
        if contact is None:
            errors["contact"] = [_("Choose one of the available options.")]
        elif contact["customer_id"] != quote.customer_id:
            errors["contact"] = [_("This contact belongs to another customer.")]
    if quote.opportunity_id is not None:
        opportunity = (Opportunity.objects.visible_to(actor).filter(pk=quote.opportunity_id)
                       .values("customer_id").first())
        if opportunity is None or not actor.has_action("opportunities.view"):
            errors["opportunity"] = [_("Choose one of the available options.")]
        elif opportunity["customer_id"] != quote.customer_id:
            errors["opportunity"] = [_("This opportunity belongs to another customer.")]
    if errors:
        raise _invalid(errors)


def _check_owner(actor, owner) -> None:
    from .selectors import quote_owner_choices

    if owner is not None and not quote_owner_choices(actor=actor).filter(pk=owner.pk).exists():
        raise _invalid({"owner": [_("Choose one of the available options.")]})


def _build_lines(quote: Quote, rows: list[dict[str, Any]]) -> list[QuoteLine]:
    """Lines from plain values, filled from their product where left blank, checked and computed.

    Errors name the line: `lines.<n>.<field>`, so forms and API clients can show them in place.
    """
    if len(rows) > MAX_LINES:
        raise _invalid({"lines": [_("A quote has at most %(n)d lines.") % {"n": MAX_LINES}]})
    errors: dict[str, list[str]] = {}
    built: list[QuoteLine] = []
    products = {row["product"].pk: row["product"] for row in rows if row.get("product") is not None}
    # The customer's price (price list or list price) and its currency, for every product at once.
    prices = product_prices_for(products=products.values(), customer=quote.customer) if products else {}
    for i, row in enumerate(rows):
        unknown = set(row) - set(LINE_FIELDS)
        if unknown:
            raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
        values = {k: v.strip() if isinstance(v, str) else v for k, v in row.items()}
        product = row.get("product")
        if product is not None:
            price, currency = prices[product.pk]
            if currency != quote.currency:
                errors[f"lines.{i}.product"] = [
                    _("This product is priced in %(product)s; the quote is in %(quote)s.")
                    % {"product": currency, "quote": quote.currency}]
                continue
            if not values.get("description"):
                values["description"] = product.name[:200]
            if not values.get("unit"):
                values["unit"] = product.unit
            if values.get("unit_price") is None:
                values["unit_price"] = price
            if values.get("tax_rate") is None:
                values["tax_rate"] = product.tax_rate
        for name, default in (("discount_percent", 0), ("tax_rate", 0), ("unit", ""), ("description", "")):
            if values.get(name) is None:
                values[name] = default
        if values.get("quantity") is None:
            errors[f"lines.{i}.quantity"] = [_("Enter a quantity.")]
        if values.get("unit_price") is None:
            errors[f"lines.{i}.unit_price"] = [_("Enter a unit price, or choose a product.")]
        if f"lines.{i}.quantity" in errors or f"lines.{i}.unit_price" in errors:
            continue
        line = QuoteLine(quote=quote, position=i, **values)
        try:
            validate(line, exclude=["quote"])
        except DomainError as exc:
            for field, messages in exc.errors.items():
                errors[f"lines.{i}.{field}"] = messages
            continue
        amounts = totals.line_amounts(quantity=line.quantity, unit_price=line.unit_price,
                                      discount_percent=line.discount_percent, tax_rate=line.tax_rate)
        if not totals.fits(amounts):
            errors[f"lines.{i}.quantity"] = [_("This line comes to more than the largest amount that can be stored.")]
            continue
        line.subtotal, line.discount, line.tax, line.total = (amounts.subtotal, amounts.discount, amounts.tax,
                                                              amounts.total)
        built.append(line)
    if errors:
        raise _invalid(errors)
    return built


def _apply_totals(quote: Quote, lines: list[QuoteLine]) -> None:
    amounts = totals.quote_amounts(
        (totals.LineAmounts(line.subtotal, line.discount, line.tax, line.total), line.discount_percent)
        for line in lines)
    if not totals.fits(amounts):
        raise _invalid({"lines": [_("The quote comes to more than the largest amount that can be stored.")]})
    quote.subtotal, quote.discount_total, quote.tax_total = amounts.subtotal, amounts.discount, amounts.tax
    quote.total, quote.max_discount_percent = amounts.total, amounts.max_discount_percent


def _save_lines(quote: Quote, lines: list[QuoteLine]) -> None:
    for line in lines:
        line.quote = quote
    QuoteLine.objects.bulk_create(lines)


def _lines_summary(lines) -> list[str]:
    return [f"{line.description} × {line.quantity} @ {line.unit_price} −{line.discount_percent}%" for line in lines]


def _require_editable(quote: Quote) -> None:
    if not quote.is_latest:
        raise DomainError("not_editable", _("This is an earlier version of the quote; it is kept as history and "
                                            "cannot be changed."))
    if quote.status != QuoteStatus.DRAFT:
        raise DomainError("not_editable", _("Only a draft can be changed. This quote is %(status)s.")
                          % {"status": quote.get_status_display()})


def _lock_editable(quote: Quote) -> None:
    """Re-read the status under a row lock, so a submit or send landing meanwhile is not overwritten."""
    current = Quote.objects.select_for_update().filter(pk=quote.pk).values("status", "is_latest").first()
    if current is None:
        raise NotFound(_("This record was deleted by someone else meanwhile."))
    quote.status, quote.is_latest = current["status"], current["is_latest"]
    _require_editable(quote)


# -- create, edit, delete --


def quote_create(*, actor, data: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> Quote:
    """A new draft numbered QT-<year>-<n>; `data` keys are QUOTE_FIELDS, `lines` rows of LINE_FIELDS."""
    require(actor, "quotes.create")
    data = dict(data)
    unknown = set(data) - set(QUOTE_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    owner = data.pop("owner", None)
    if owner is not None:
        _check_owner(actor, owner)
    owner = owner or _actor_user(actor)
    quote = Quote(**{k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    quote.owner = owner
    quote.department_id = owner.department_id if owner else None
    quote.created_by = _actor_user(actor)
    validate(quote, exclude=["number"])
    _check_links(actor, quote)
    built = _build_lines(quote, lines or [])
    _apply_totals(quote, built)
    with transaction.atomic():
        quote.number = next_number("quotes", "QT")
        quote.save()
        # Every version, the first included, names the first version: one filter finds them all.
        Quote.objects.filter(pk=quote.pk).update(first_version=quote.pk)
        quote.first_version_id = quote.pk
        _save_lines(quote, built)
        after = audit.snapshot(quote, AUDITED)
        after["lines"] = _lines_summary(built)
        audit.record(actor, "quote.created", quote, audit.diff({}, after))
        still_visible(actor, quote)
    events.emit("quote.created", {"id": quote.pk, "number": quote.number, "customer": quote.customer_id})
    return quote


def quote_update(*, actor, quote: Quote, data: dict[str, Any], lines: list[dict[str, Any]] | None = None,
                 expected_version: int | None = None) -> Quote:
    """Change a draft; `lines`, when given, replace all its lines. Totals are computed again."""
    require(actor, "quotes.edit", quote, edit=True)
    _require_editable(quote)
    data = dict(data)
    if "owner" in data and data["owner"] is None:
        raise _invalid({"owner": [_("This field is required.")]})
    if "owner" in data and data["owner"] != quote.owner:
        _check_owner(actor, data["owner"])
    old_lines = list(quote.lines.select_related("product").order_by("position", "id"))
    before, after = changed_fields(quote, data, QUOTE_FIELDS)
    before["total"] = str(quote.total)
    validate(quote)
    _check_links(actor, quote)
    fields = list(data)
    if "owner" in data:
        quote.department_id = quote.owner.department_id if quote.owner else None
        fields.append("department")
    replace_lines = lines is not None
    if lines is None:
        # The lines stay; a currency or customer change still has to suit them.
        lines = [{name: getattr(line, name) for name in LINE_FIELDS} for line in old_lines]
    built = _build_lines(quote, lines)
    _apply_totals(quote, built)
    fields += TOTAL_FIELDS
    after["total"] = str(quote.total)
    changes = audit.diff(before, after)
    if _lines_summary(old_lines) != _lines_summary(built):
        changes["lines"] = [_lines_summary(old_lines), _lines_summary(built)]
    with transaction.atomic():
        _lock_editable(quote)
        versioned_update(quote, fields, expected_version)
        if replace_lines:
            quote.lines.all().delete()
            _save_lines(quote, built)
        audit.record(actor, "quote.updated", quote, changes)
        still_visible(actor, quote)
    events.emit("quote.updated", {"id": quote.pk, "changed": sorted(changes)})
    return quote


def quote_delete(*, actor, quote: Quote) -> None:
    """Only a draft is deleted (for good); deleting a revision makes the version before it current again."""
    require(actor, "quotes.delete", quote, edit=True)
    _require_editable(quote)
    quote_id = quote.pk
    with transaction.atomic():
        _lock_editable(quote)
        audit.record(actor, "quote.deleted", quote, extra={"number": quote.number, "revision": quote.revision,
                                                            "total": str(quote.total)})
        # The first version names itself; that reference must go before the row can.
        Quote.objects.filter(pk=quote_id).update(first_version=None)
        try:
            quote.delete()
        except ProtectedError:
            raise DomainError("protected", _("This quote is referred to by a contract and cannot be deleted.")) \
                from None
        if quote.revision > 1:
            Quote.objects.filter(number=quote.number, revision=quote.revision - 1).update(is_latest=True)
    events.emit("quote.deleted", {"id": quote_id, "number": quote.number})


# -- status steps --


def _move(quote: Quote, *, source: set[str] | str, target: str, **values) -> None:
    """A conditional UPDATE: the step happens only if the quote is still where the actor saw it."""
    allowed = {source} if isinstance(source, str) else set(source)
    now = timezone.now()
    rows = (Quote.objects.filter(pk=quote.pk, status__in=allowed, is_latest=True)
            .update(status=target, version=F("version") + 1, updated_at=now, **values))
    if not rows:
        if not Quote.objects.filter(pk=quote.pk).exists():
            raise NotFound(_("This record was deleted by someone else meanwhile."))
        raise Conflict("conflict", _("This quote changed meanwhile. Reload the page to see its current status."))
    quote.status = target
    quote.version += 1
    quote.updated_at = now
    for key, value in values.items():
        setattr(quote, key, value)


def _require_status(quote: Quote, allowed: set[str], message: str) -> None:
    if not quote.is_latest:
        raise DomainError("not_latest", _("This is an earlier version of the quote; only the latest version moves "
                                          "on."))
    if quote.status not in allowed:
        raise DomainError("wrong_status", message)


def _status_step(actor, quote: Quote, action: str, *, source: str, target: str, message: str,
                 extra: dict | None = None, **values) -> Quote:
    require(actor, "quotes.edit", quote, edit=True)
    _require_status(quote, {source}, message)
    before = quote.status
    with transaction.atomic():
        _move(quote, source=source, target=target, **values)
        audit.record(actor, action, quote, {"status": [before, target]}, extra=extra)
    events.emit(action, {"id": quote.pk, "number": quote.number})
    return quote


def quote_submit(*, actor, quote: Quote, comment: str = "") -> Quote:
    """Ask for approval; with no approval flow matching, the quote is approved at once."""
    from guanxi.automation.services import approval_submit

    require(actor, "quotes.edit", quote, edit=True)
    _require_editable(quote)
    if not quote.lines.exists():
        raise _invalid({"lines": [_("Add at least one line before submitting the quote.")]})
    if quote.valid_until is not None and quote.valid_until < timezone.localdate():
        raise _invalid({"valid_until": [_("This date has passed; choose a later one before submitting.")]})
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise _invalid({"comment": [_("At most %(n)d characters.") % {"n": 1000}]})
    with transaction.atomic():
        _lock_editable(quote)
        approval = approval_submit(actor=actor, record=quote, comment=comment)
        target = QuoteStatus.PENDING_APPROVAL if approval is not None else QuoteStatus.APPROVED
        _move(quote, source=QuoteStatus.DRAFT, target=target, approval_note="")
        audit.record(actor, "quote.submitted", quote, {"status": [QuoteStatus.DRAFT, target]},
                     extra={"comment": comment} if comment else None)
        if approval is None:
            audit.record(actor, "quote.approved_automatically", quote)
    events.emit("quote.submitted", {"id": quote.pk, "number": quote.number, "status": target})
    if approval is None:
        events.emit("quote.approved", {"id": quote.pk, "number": quote.number})
    return quote


def quote_withdraw(*, actor, quote: Quote) -> Quote:
    """Take a quote back from approval, to change it. The approval engine lets only the submitter
    withdraw its request; its withdrawal hook (`quote_approval_withdrawn`) makes the quote a draft."""
    from guanxi.automation.selectors import approval_pending_for
    from guanxi.automation.services import approval_withdraw

    require(actor, "quotes.edit", quote, edit=True)
    _require_status(quote, {QuoteStatus.PENDING_APPROVAL}, _("Only a quote waiting for approval can be taken back."))
    with transaction.atomic():
        pending = approval_pending_for(quote)
        if pending is not None:
            approval_withdraw(actor=actor, request=pending)
            quote.refresh_from_db(fields=["status", "version", "updated_at", "approval_note"])
        else:
            # No request under way (its flow's approvers were all removed): nothing to withdraw from.
            _approval_outcome(quote, None, actor, target=QuoteStatus.DRAFT, action="quote.withdrawn")
    return quote


def quote_mark_sent(*, actor, quote: Quote) -> Quote:
    return _status_step(actor, quote, "quote.sent", source=QuoteStatus.APPROVED, target=QuoteStatus.SENT,
                        message=_("Only an approved quote can be sent."), sent_at=timezone.now())


def quote_mark_accepted(*, actor, quote: Quote) -> Quote:
    return _status_step(actor, quote, "quote.accepted", source=QuoteStatus.SENT, target=QuoteStatus.ACCEPTED,
                        message=_("Only a sent quote can be accepted."), decided_at=timezone.now())


def quote_mark_rejected(*, actor, quote: Quote, reason: str = "") -> Quote:
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise _invalid({"reason": [_("At most %(n)d characters.") % {"n": 500}]})
    return _status_step(actor, quote, "quote.rejected", source=QuoteStatus.SENT, target=QuoteStatus.REJECTED,
                        message=_("Only a sent quote can be rejected."), extra={"reason": reason} if reason else None,
                        decided_at=timezone.now(), rejection_reason=reason)


def quote_revise(*, actor, quote: Quote) -> Quote:
    """A new draft version with the same number and the next revision; this one stays as read-only history."""
    require(actor, "quotes.edit", quote, edit=True)
    require(actor, "quotes.create")
    _require_status(quote, REVISABLE, _("Only an approved, sent or rejected quote can be revised; a draft is "
                                        "simply edited."))
    lines = list(quote.lines.order_by("position", "id"))
    with transaction.atomic():
        if not Quote.objects.filter(pk=quote.pk, is_latest=True, status__in=REVISABLE).update(
                is_latest=False, version=F("version") + 1, updated_at=timezone.now()):
            raise Conflict("conflict", _("This quote changed meanwhile. Reload the page to see its current status."))
        quote.is_latest = False
        quote.version += 1
        revision = Quote(
            number=quote.number, revision=quote.revision + 1, first_version_id=quote.first_version_id or quote.pk,
            title=quote.title, customer_id=quote.customer_id, contact_id=quote.contact_id,
            opportunity_id=quote.opportunity_id, currency=quote.currency, valid_until=quote.valid_until,
            terms=quote.terms, notes=quote.notes, owner_id=quote.owner_id, department_id=quote.department_id,
            created_by=_actor_user(actor),
            subtotal=quote.subtotal, discount_total=quote.discount_total, tax_total=quote.tax_total,
            total=quote.total, max_discount_percent=quote.max_discount_percent,
        )
        revision.save()
        QuoteLine.objects.bulk_create([
            QuoteLine(quote=revision, position=line.position, product_id=line.product_id,
                      description=line.description, unit=line.unit, quantity=line.quantity,
                      unit_price=line.unit_price, discount_percent=line.discount_percent, tax_rate=line.tax_rate,
                      subtotal=line.subtotal, discount=line.discount, tax=line.tax, total=line.total)
            for line in lines])
        audit.record(actor, "quote.revised", quote, {"revision": [quote.revision, revision.revision]})
        audit.record(actor, "quote.created", revision, {"revision": [quote.revision, revision.revision]})
        still_visible(actor, revision)
    events.emit("quote.revised", {"id": revision.pk, "previous": quote.pk, "number": quote.number})
    return revision


# -- approval outcomes (called by the approval engine inside its deciding transaction) --


def _approval_comment(approval) -> str:
    """What the approver who settled the request wrote (the engine saves it before calling us)."""
    if approval is None:
        return ""
    comment = (approval.tasks.filter(step=approval.current_step, decided_at__isnull=False)
               .order_by("-decided_at", "-id").values_list("comment", flat=True).first())
    return str(comment or "")[:1000]


def _approval_outcome(quote: Quote, approval, actor, *, target: str, action: str) -> None:
    # The engine has already checked that `actor` decides this step; an approver need not own the quote.
    note = _approval_comment(approval) if target == QuoteStatus.DRAFT and action != "quote.withdrawn" else ""
    _move(quote, source=QuoteStatus.PENDING_APPROVAL, target=target, approval_note=note)
    audit.record(actor, action, quote, {"status": [QuoteStatus.PENDING_APPROVAL, target]},
                 extra={"comment": note} if note else None)
    events.emit(action, {"id": quote.pk, "number": quote.number})


def quote_approval_approved(quote: Quote, approval, actor) -> None:
    _approval_outcome(quote, approval, actor, target=QuoteStatus.APPROVED, action="quote.approved")


def quote_approval_rejected(quote: Quote, approval, actor) -> None:
    """An approver's refusal is not the customer's answer: the quote goes back to draft with the comment."""
    _approval_outcome(quote, approval, actor, target=QuoteStatus.DRAFT, action="quote.approval_rejected")


def quote_approval_returned(quote: Quote, approval, actor) -> None:
    _approval_outcome(quote, approval, actor, target=QuoteStatus.DRAFT, action="quote.returned")


def quote_approval_withdrawn(quote: Quote, approval, actor) -> None:
    _approval_outcome(quote, approval, actor, target=QuoteStatus.DRAFT, action="quote.withdrawn")
