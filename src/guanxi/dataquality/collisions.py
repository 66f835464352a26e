"""The collision check (防撞单): before a seller saves a customer, contact or lead, find the records
across the whole CRM with the same company name, phone or email, so two sellers do not chase
the same party.

It looks at every record whatever the actor's data scope, and reveals only what the actor may
see: a record in their reach is named and linked; any other says only who follows it
("已被 王芳（销售二部）跟进") or that it sits in a pool. Apps register where to look
(`register_collision_source`) from their `AppConfig.ready()`; each lookup is an indexed equality
query, so the number of queries does not grow with the number of records.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import DomainError

from .choices import CollisionMode
from .normalise import company_name_key, normalise_email, phone_key
from .selectors import collision_mode

# At most this many matches are shown: enough to recognise the party, bounded whatever the data.
LIMIT = 20
# A contact form carries a mobile and a desk phone; more phones than this are not looked up.
MAX_PHONES = 3
MAX_EMAILS = 3

Finder = Callable[..., Iterable[models.Model]]


@dataclass(frozen=True)
class CollisionSource:
    """Where the check looks: a finder and how its records are shown."""

    name: str
    finder: Finder
    verbose_name: Any
    pool_text: Any
    url: Callable[[Any], str] | None
    label: Callable[[Any], str] | None
    actions: tuple[str, ...]


_SOURCES: dict[str, CollisionSource] = {}


def register_collision_source(name: str, finder: Finder, *, verbose_name: Any = None, pool_text: Any = None,
                              url: Callable[[Any], str] | None = None, label: Callable[[Any], str] | None = None,
                              actions: Iterable[str] = ()) -> None:
    """Add a place to look, from an app's `AppConfig.ready()`; the optional arguments have defaults.

    `finder(*, name_key, phone_e164, email, exclude)` returns at most `LIMIT` live records (any
    argument may be "") matching any of them, with `owner` and `department` selected (or, for a
    child record, those of the parent its `scope_via` names). `exclude` is what the caller passed:
    None, a record or a list of records; `excluded_ids` reads it. `verbose_name` names the kind
    ("Lead"), `pool_text` says where an unowned record sits ("In the lead pool"), `url(record)` and
    `label(record)` link and name a visible one, `actions` are the rights that let a user run the
    check through the API (besides creating or editing customers). Without `verbose_name` the
    model's own name is shown; without `url` the record's `get_absolute_url()` or "<app>:detail".
    """
    _SOURCES[name] = CollisionSource(
        name=name, finder=finder, verbose_name=verbose_name, pool_text=pool_text, url=url, label=label,
        actions=tuple(actions),
    )


def collision_sources() -> list[CollisionSource]:
    return list(_SOURCES.values())


def check_actions() -> set[str]:
    """Rights that let a user run the check on its own (GET /duplicates/check)."""
    return {action for source in _SOURCES.values() for action in source.actions}


def excluded_ids(exclude: Any, model: type[models.Model]) -> list[int]:
    """The ids of `model` among what a caller asked to leave out (a record, a list of them, or None)."""
    if exclude is None:
        return []
    records = exclude if isinstance(exclude, list | tuple | set | frozenset) else [exclude]
    return [r.pk for r in records if isinstance(r, model) and r.pk is not None]


# What an unowned customer says; here so its translation lives with the check's other texts.
IN_CUSTOMER_POOL = gettext_lazy("In the customer pool")


# -- what the check found --

REASONS = {
    "name": gettext_lazy("same company name"),
    "phone": gettext_lazy("same phone"),
    "email": gettext_lazy("same email"),
    "other": gettext_lazy("similar details"),
}


@dataclass
class Collision:
    """One record that may describe the same party, as much of it as the actor may see."""

    kind: str  # the source's name: "customer", "contact", "lead"
    kind_label: Any  # lazily translated, so it reads in the language of whoever shows it
    reasons: list[str]  # "name", "phone", "email"
    owner_name: str
    department_name: str
    in_pool: bool
    visible: bool
    url: str = ""  # only when visible
    label: str = ""  # only when visible
    record_id: int | None = None  # only when visible
    pool_text: Any = ""
    # The record itself, for this process only (never shown or serialised).
    record: Any = field(default=None, repr=False, compare=False)

    @property
    def reason(self) -> str:
        return _(", ").join(str(REASONS[r]) for r in self.reasons)

    @property
    def followed_by(self) -> str:
        """Who follows the record: the only thing told about one out of the actor's reach."""
        if self.in_pool:
            return str(self.pool_text or _("Not owned by anyone yet"))
        if self.department_name:
            return _("Already followed by %(owner)s (%(department)s)") % {
                "owner": self.owner_name, "department": self.department_name}
        return _("Already followed by %(owner)s") % {"owner": self.owner_name}

    @property
    def summary(self) -> str:
        """One line for an error list: "Customer: Already followed by 王芳 (销售二部) — same phone"."""
        if not self.visible:
            who = self.followed_by
        elif self.in_pool:
            who = _("%(record)s, %(pool)s") % {"record": self.label, "pool": self.followed_by}
        else:
            who = _("%(record)s, owner %(owner)s") % {"record": self.label, "owner": self.owner_name}
        return _("%(kind)s: %(who)s — %(reason)s") % {"kind": str(self.kind_label), "who": who,
                                                       "reason": self.reason}


def _owner_record(obj: models.Model) -> models.Model:
    """The record whose owner and department stand for `obj` (a contact's customer)."""
    via = getattr(obj, "scope_via", "")
    return getattr(obj, via) if via and not hasattr(obj, "owner_id") else obj


def _reasons(obj: models.Model, name_key: str, phones: list[str], emails: list[str]) -> list[str]:
    """Which of the values asked for this record carries (a finder returns matches of any)."""
    reasons = []
    stored_key = getattr(obj, "name_key", None)
    if name_key and (stored_key == name_key or company_name_key(str(getattr(obj, "name", "") or "")) == name_key
                     or company_name_key(str(getattr(obj, "company", "") or "")) == name_key):
        reasons.append("name")
    if {getattr(obj, a, "") for a in ("phone_e164", "mobile_e164")} & set(phones):
        reasons.append("phone")
    if normalise_email(str(getattr(obj, "email", "") or "")) in emails:
        reasons.append("email")
    return reasons or ["other"]


def _url(source: CollisionSource, obj: models.Model) -> str:
    if source.url is not None:
        return source.url(obj)
    if hasattr(obj, "get_absolute_url"):
        return obj.get_absolute_url()
    try:
        return reverse(f"{obj._meta.app_label}:detail", args=[obj.pk])
    except NoReverseMatch:
        return ""


def _visible_ids(actor, found: list[tuple[CollisionSource, models.Model, list[str]]]) -> set[tuple[type, int]]:
    """(model, id) of the found records the actor may open: one scoped query per model."""
    by_model: dict[type[models.Model], list[int]] = {}
    for _source, obj, _r in found:
        by_model.setdefault(type(obj), []).append(obj.pk)
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return set()
    visible: set[tuple[type, int]] = set()
    for model, ids in by_model.items():
        module = getattr(model, "scope_module", "")
        if module and not actor.has_action(f"{module}.view"):
            continue
        manager: Any = model._default_manager
        visible |= {(model, pk) for pk in manager.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True)}
    return visible


def _probes(name: str, phone: str, email: str, phones: Iterable[str], emails: Iterable[str]
            ) -> tuple[str, list[str], list[str]]:
    name_key = company_name_key(name) if name else ""
    phone_keys = list(dict.fromkeys(k for k in (phone_key(p) for p in [phone, *phones] if p) if k))[:MAX_PHONES]
    email_keys = list(dict.fromkeys(k for k in (normalise_email(e) for e in [email, *emails] if e) if k))
    return name_key, phone_keys, email_keys[:MAX_EMAILS]


def find_collisions(*, actor, name: str = "", phone: str = "", email: str = "", exclude: Any = None,
                    phones: Iterable[str] = (), emails: Iterable[str] = ()) -> list[Collision]:
    """Records anywhere in the CRM with the same company name, phone or email, shown as the actor may see them.

    `phones` and `emails` add more values of the same kind (a contact's mobile and desk phone);
    `exclude` (a record or a list) leaves out the record being edited and, for a customer, its contacts.
    Values that do not normalise (an invalid phone) are not looked up.
    """
    name_key, phone_keys, email_keys = _probes(name, phone, email, phones, emails)
    if not (name_key or phone_keys or email_keys):
        return []
    found: list[tuple[CollisionSource, models.Model, list[str]]] = []
    seen: dict[tuple[type, int], list[str]] = {}
    for source in _SOURCES.values():
        # The first call carries the name and the first phone and email; more phones or emails
        # (rare: a contact's second number) take one call each.
        extra = itertools.zip_longest(phone_keys[1:], email_keys[1:], fillvalue="")
        calls = [(name_key, phone_keys[0] if phone_keys else "", email_keys[0] if email_keys else ""),
                 *(("", p, e) for p, e in extra)]
        for key, phone_value, email_value in calls:
            if not (key or phone_value or email_value):
                continue
            matches = source.finder(name_key=key, phone_e164=phone_value, email=email_value, exclude=exclude)
            if isinstance(matches, QuerySet):
                matches = matches[:LIMIT]
            for obj in matches:
                ident = (type(obj), obj.pk)
                if ident in seen:
                    continue
                reasons = _reasons(obj, name_key, phone_keys, email_keys)
                seen[ident] = reasons
                found.append((source, obj, reasons))
    # Visibility is read for everything found, before folding and cutting to LIMIT: one query per kind
    # of record that matched at all, so the count does not depend on how the matches fall.
    visible = _visible_ids(actor, found)
    found = _fold_children(found, seen)
    return [_collision(source, obj, reasons, (type(obj), obj.pk) in visible)
            for source, obj, reasons in found[:LIMIT]]


def _fold_children(found, seen):
    """A contact of a customer that matched as well adds its reasons to the customer instead of
    being listed on its own: both name the same party."""
    kept = []
    for source, obj, reasons in found:
        via = getattr(obj, "scope_via", "")
        parent = getattr(obj, via, None) if via else None
        parent_reasons = seen.get((type(parent), parent.pk)) if parent is not None else None
        if parent_reasons is not None:
            parent_reasons.extend(r for r in reasons if r not in parent_reasons)
            continue
        kept.append((source, obj, reasons))
    return kept


def _collision(source: CollisionSource, obj: models.Model, reasons: list[str], visible: bool) -> Collision:
    holder: Any = _owner_record(obj)
    owner = holder.owner if holder.owner_id else None
    department = holder.department if getattr(holder, "department_id", None) else None
    if owner is not None and department is None:
        department = getattr(owner, "department", None)
    order = list(REASONS)
    return Collision(
        kind=source.name,
        kind_label=source.verbose_name or capfirst(obj._meta.verbose_name),
        reasons=sorted(set(reasons), key=order.index),
        owner_name=str(owner) if owner is not None else "",
        department_name=department.name if department is not None else "",
        in_pool=owner is None,
        visible=visible,
        url=_url(source, obj) if visible else "",
        label=(source.label(obj) if source.label else str(obj)) if visible else "",
        record_id=obj.pk if visible else None,
        pool_text=source.pool_text or "",
        record=obj,
    )


# -- refusing the save --


class PossibleDuplicate(DomainError):
    """The record being saved matches others: 409 until the user confirms (warn) or always (block)."""

    status = 409

    def __init__(self, collisions: list[Collision], *, blocked: bool):
        if blocked:
            message = _("This matches records already in the CRM, and duplicates may not be saved. "
                        "Ask the owner or an administrator.")
        else:
            message = _("This may already be in the CRM: check the matches, then confirm to save anyway.")
        super().__init__("possible_duplicate", message, {"__all__": [c.summary for c in collisions]})
        self.collisions = collisions
        self.blocked = blocked


def collision_guard(*, actor, name: str = "", phone: str = "", email: str = "", exclude: Any = None,
                    confirmed: bool = False, phones: Iterable[str] = (), emails: Iterable[str] = ()
                    ) -> list[Collision]:
    """Refuse a save that matches other records (`PossibleDuplicate`, code "possible_duplicate"),
    unless the policy is to warn and the user confirmed. Returns the matches that were confirmed
    (empty when there were none), for the caller's audit event."""
    found = find_collisions(actor=actor, name=name, phone=phone, email=email, exclude=exclude, phones=phones,
                            emails=emails)
    if not found:
        return []
    blocked = collision_mode() == CollisionMode.BLOCK
    if confirmed and not blocked:
        return found
    raise PossibleDuplicate(found, blocked=blocked)


def confirmed_audit(collisions: list[Collision]) -> dict:
    """What the audit event of a save records about the matches the user confirmed."""
    return {"duplicates_confirmed": [{"kind": c.kind, "id": c.record.pk if c.record is not None else None,
                                      "reasons": c.reasons} for c in collisions]}
