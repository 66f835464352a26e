"""Who works a lead: assigning by hand, claiming from the pool (领取), and the round-robin assignment rules.

Claims and rule turns are conditional UPDATEs whose row counts decide the winner, so they stay
correct with many app servers on PostgreSQL and with SQLite alike.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, events
from guanxi.core.errors import Conflict, DomainError, NotFound
from guanxi.core.permissions import require
from guanxi.core.records import validate
from guanxi.customers.choices import CustomerSource

from .. import errors
from ..choices import OPEN_STATUSES
from ..models import AssignmentRule, AssignmentRuleMember, Lead
from ..selectors import lead_owner_choices

BULK_LIMIT = 1000
MAX_MEMBERS = 100
MAX_REGIONS = 50
# A turn is lost to a concurrent one at most once per competitor; this bound is never reached in practice.
MAX_TURN_ATTEMPTS = 1000


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("invalid", _("Please correct the errors below."), {field: [message]})


def check_assignee(actor, user, field: str = "owner") -> None:
    """An owner the actor may hand leads to: active, able to see leads, and within the actor's own reach."""
    if user is None or not user.is_active:
        raise _invalid(field, _("Choose an active user."))
    if not lead_owner_choices(actor=actor).filter(pk=user.pk).exists():
        raise _invalid(field, _("Choose one of the available options."))
    if not user.has_action("leads.view"):
        raise _invalid(field, _("%(user)s cannot see leads, so cannot work this one.") % {"user": user})


def _set_owner(lead_ids: list[int], owner, *, only_unowned: bool) -> int:
    rows = Lead.objects.filter(pk__in=lead_ids, deleted_at__isnull=True, status__in=OPEN_STATUSES)
    if only_unowned:
        rows = rows.filter(owner__isnull=True)
    now = timezone.now()
    return rows.update(owner=owner, department_id=owner.department_id, assigned_at=now, updated_at=now,
                       version=F("version") + 1)


# -- by hand --


def lead_assign(*, actor, ids: list[int], owner) -> int:
    """A manager gives leads (theirs, their team's, or from the pool) to a seller; one audit event each."""
    require(actor, "leads.assign")
    ids = list(dict.fromkeys(int(i) for i in ids))
    if len(ids) > BULK_LIMIT:
        raise DomainError(errors.TOO_MANY, _("Choose at most %(n)d records at a time.") % {"n": BULK_LIMIT})
    leads = list(Lead.objects.visible_to(actor).filter(pk__in=ids).select_related("owner"))
    if len(leads) != len(ids):
        raise NotFound()
    closed = [lead for lead in leads if lead.status not in OPEN_STATUSES]
    if closed:
        raise DomainError(errors.CLOSED, _("Only open leads can be assigned; these are converted or "
                                              "disqualified: %(names)s") % {"names": "、".join(map(str, closed[:5]))})
    check_assignee(actor, owner)
    moving = [lead for lead in leads if lead.owner_id != owner.pk]
    with transaction.atomic():
        _set_owner([lead.pk for lead in moving], owner, only_unowned=False)
        audit.record_many([
            audit.build(actor, "lead.assigned", lead, {"owner": [str(lead.owner) if lead.owner else None, str(owner)]})
            for lead in moving
        ])
    for lead in moving:
        events.emit("lead.assigned", {"id": lead.pk, "owner": owner.pk})
    return len(moving)


def lead_claim(*, actor, lead: Lead) -> Lead:
    """Take a lead from the pool. Two sellers claiming at once: the conditional update lets exactly one win."""
    require(actor, "leads.view", lead)
    if lead.owner_id is not None and lead.owner_id != actor.pk:
        raise Conflict(errors.ALREADY_CLAIMED, _("This lead already has an owner: %(owner)s.") % {"owner": lead.owner})
    with transaction.atomic():
        if not _set_owner([lead.pk], actor, only_unowned=True):
            fresh = Lead.objects.filter(pk=lead.pk, deleted_at__isnull=True).select_related("owner").first()
            if fresh is None:
                raise NotFound(_("This lead was deleted by someone else meanwhile."))
            if fresh.owner_id == actor.pk:
                raise Conflict(errors.ALREADY_CLAIMED, _("You already own this lead."))
            if fresh.owner_id is None:
                raise DomainError(errors.CLOSED, _("Only open leads can be claimed."))
            raise Conflict(errors.ALREADY_CLAIMED,
                           _("Someone else claimed this lead first: %(owner)s.") % {"owner": fresh.owner})
        lead.refresh_from_db()
        audit.record(actor, "lead.claimed", lead, {"owner": [None, str(actor)]})
    events.emit("lead.claimed", {"id": lead.pk, "owner": actor.pk})
    return lead


# -- by rules --


def _active_rules() -> list[AssignmentRule]:
    members = AssignmentRuleMember.objects.filter(user__is_active=True).select_related("user")
    return list(AssignmentRule.objects.filter(is_active=True).order_by("position", "id")
                .prefetch_related(Prefetch("memberships", queryset=members, to_attr="active_members")))


def _matching_rule(rules: list[AssignmentRule], lead: Lead) -> AssignmentRule | None:
    for rule in rules:
        if rule.active_members and rule.matches(source=lead.source, region=lead.region):  # type: ignore[attr-defined]
            return rule
    return None


def _take_turn(rule: AssignmentRule):
    """The member whose turn it is. The pointer advances only if nobody advanced it since it was read,
    so concurrent leads each get their own turn and a team shares leads evenly."""
    members: list[AssignmentRuleMember] = rule.active_members  # type: ignore[attr-defined]
    for _attempt in range(MAX_TURN_ATTEMPTS):
        turns = AssignmentRule.objects.filter(pk=rule.pk).values_list("turns", flat=True).first()
        if turns is None:
            return None
        if AssignmentRule.objects.filter(pk=rule.pk, turns=turns).update(turns=turns + 1):
            return members[turns % len(members)].user
    raise Conflict("busy", _("Too many leads are being assigned at once; try again."))


class _LostToClaim(Exception):
    """The lead got an owner between reading and assigning it; its turn is given back."""


def _assign_one(actor, rule: AssignmentRule, lead: Lead) -> bool:
    try:
        with transaction.atomic():
            owner = _take_turn(rule)
            if owner is None:
                return False
            if not _set_owner([lead.pk], owner, only_unowned=True):
                raise _LostToClaim
            audit.record(actor, "lead.assigned", lead, {"owner": [None, str(owner)]}, extra={"rule": rule.name})
    except _LostToClaim:
        return False
    lead.owner, lead.department_id = owner, owner.department_id
    events.emit("lead.assigned", {"id": lead.pk, "owner": owner.pk, "rule": rule.pk})
    return True


def assign_by_rules(actor, lead: Lead) -> AssignmentRule | None:
    """Give an unowned lead to the team of the first matching rule; None when no rule matches (it stays in the pool).

    Called by the lead services inside their transaction, after their own permission check.
    """
    rule = _matching_rule(_active_rules(), lead)
    if rule is None or not _assign_one(actor, rule, lead):
        return None
    lead.refresh_from_db(fields=["owner", "department", "assigned_at", "version", "updated_at"])
    return rule


def lead_apply_rules(*, actor, ids: list[int] | None = None) -> int:
    """Run the rules over unowned open leads (all of the pool, or the chosen ones); returns how many were assigned."""
    require(actor, "leads.assign")
    pool = (Lead.objects.visible_to(actor).filter(owner__isnull=True, status__in=OPEN_STATUSES)
            .order_by("id"))
    if ids is not None:
        ids = list(dict.fromkeys(int(i) for i in ids))
        if len(ids) > BULK_LIMIT:
            raise DomainError(errors.TOO_MANY, _("Choose at most %(n)d records at a time.") % {"n": BULK_LIMIT})
        pool = pool.filter(pk__in=ids)
    rules = _active_rules()
    if not rules:
        return 0
    assigned = 0
    for lead in pool[:BULK_LIMIT]:
        rule = _matching_rule(rules, lead)
        if rule is not None and _assign_one(actor, rule, lead):
            assigned += 1
    return assigned


# -- the rules themselves --


RULE_FIELDS = ["name", "position", "is_active", "sources", "regions"]


def _clean_rule(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    data = dict(data)
    if isinstance(data.get("name"), str):
        data["name"] = data["name"].strip()
    if "sources" in data:
        sources = list(dict.fromkeys(str(s) for s in data["sources"] or []))
        if any(s not in CustomerSource.values for s in sources):
            raise _invalid("sources", _("Choose sources from the list."))
        data["sources"] = sources
    if "regions" in data:
        regions = list(dict.fromkeys(str(r).strip() for r in data["regions"] or [] if str(r).strip()))
        if len(regions) > MAX_REGIONS or any(len(r) > 60 for r in regions):
            raise _invalid("regions", _("At most %(n)d regions of at most 60 characters each.") % {"n": MAX_REGIONS})
        data["regions"] = regions
    return data


def _check_members(actor, members: list) -> list:
    members = list(dict.fromkeys(members))
    if not members:
        raise _invalid("members", _("Choose at least one seller for this rule's team."))
    if len(members) > MAX_MEMBERS:
        raise _invalid("members", _("A team has at most %(n)d members.") % {"n": MAX_MEMBERS})
    for user in members:
        check_assignee(actor, user, "members")
    return members


def _set_members(rule: AssignmentRule, members: list) -> None:
    AssignmentRuleMember.objects.filter(rule=rule).delete()
    AssignmentRuleMember.objects.bulk_create(
        [AssignmentRuleMember(rule=rule, user=user, position=i) for i, user in enumerate(members)])


def rule_create(*, actor, data: dict[str, Any], members: list) -> AssignmentRule:
    require(actor, "leads.assign")
    data = _clean_rule(data)
    rule = AssignmentRule(**data, created_by=actor if getattr(actor, "pk", None) else None)
    validate(rule)
    members = _check_members(actor, members)
    with transaction.atomic():
        rule.save()
        _set_members(rule, members)
        after = audit.snapshot(rule, RULE_FIELDS)
        after["members"] = [str(u) for u in members]
        audit.record(actor, "lead_rule.created", rule, audit.diff({}, after))
    return rule


def rule_update(*, actor, rule: AssignmentRule, data: dict[str, Any], members: list | None = None,
                expected_version: int | None = None) -> AssignmentRule:
    require(actor, "leads.assign")
    data = _clean_rule(data)
    before = audit.snapshot(rule, list(data))
    for key, value in data.items():
        setattr(rule, key, value)
    validate(rule)
    after = audit.snapshot(rule, list(data))
    if members is not None:
        members = _check_members(actor, members)
        before["members"] = [str(m.user) for m in rule.memberships.select_related("user")]
        after["members"] = [str(u) for u in members]
    expected = expected_version if expected_version is not None else rule.version
    with transaction.atomic():
        updated = AssignmentRule.objects.filter(pk=rule.pk, version=expected).update(
            **data, version=F("version") + 1, updated_at=timezone.now())
        if not updated:
            if not AssignmentRule.objects.filter(pk=rule.pk).exists():
                raise NotFound(_("This record was deleted by someone else meanwhile."))
            raise Conflict("conflict", _("Someone else changed this record meanwhile. Reload it to see their "
                                         "changes, then edit again."))
        rule.version = expected + 1
        if members is not None:
            _set_members(rule, members)
        audit.record(actor, "lead_rule.updated", rule, audit.diff(before, after))
    return rule


def rule_delete(*, actor, rule: AssignmentRule) -> None:
    require(actor, "leads.assign")
    with transaction.atomic():
        audit.record(actor, "lead_rule.deleted", rule, extra={"name": rule.name})
        rule.delete()
