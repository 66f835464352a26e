"""Customers, contacts and tags, and the customer pools (公海) customers return to and are claimed from."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OwnedModel, ScopedQuerySet, SoftDeleteModel, TimeStampedModel

from .choices import CustomerGrade, CustomerKind, CustomerSource, CustomerStatus, Industry
from .pool.choices import OwnershipEventKind, ReturnRule


class CustomerQuerySet(ScopedQuerySet):
    """Reads of customers and of records seen through their customer (contacts, follow-ups).

    Besides the data scope, `visible_to` shows an actor who may view customers those waiting in the
    pools they belong to (`owner IS NULL AND pool_id IN (<their pools>)`, a list of ids so the
    databases keep using the owner and pool indexes). Those are read-only: editing needs the customer
    claimed, except for actors whose scope reaches every customer. The recycle bin (`within_scope`
    on deleted rows) keeps to the data scope.
    """

    _with_pools = False

    def visible_to(self, actor):
        qs = self.alive()
        qs._with_pools = True  # read by _scope_filter on this very queryset, inside within_scope
        return qs.within_scope(actor)

    def owned_visible_to(self, actor):
        """Customers someone owns, within the actor's scope: the customer list. The pool has its own page,
        so a company pool of 100,000 customers neither floods nor slows a seller's list."""
        return self.alive().within_scope(actor).filter(owner__isnull=False)

    def _scope_filter(self, actor, *, can_edit: bool) -> Q | None:
        q = super()._scope_filter(actor, can_edit=can_edit)
        if q is None:
            return None
        via = getattr(self.model, "scope_via", "")
        prefix = f"{via}__" if via else ""
        if can_edit:
            return q & ~Q(**{f"{prefix}owner__isnull": True, f"{prefix}pool__isnull": False})
        if not self._with_pools or not actor.has_action("customers.view"):
            return q
        from .pool.membership import member_pool_ids

        pools = member_pool_ids(actor)
        if not pools:
            return q
        return q | Q(**{f"{prefix}owner__isnull": True, f"{prefix}pool_id__in": pools})


class CustomerManager(models.Manager.from_queryset(CustomerQuerySet)):  # type: ignore[misc]
    pass


class Tag(models.Model):
    """A label sellers put on customers (标签), e.g. 老客户, 重点跟进."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    color = models.CharField(_("color"), max_length=7, default="#3b82f6")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(OwnedModel, SoftDeleteModel):
    """A customer (客户): a company or a person the business sells to."""

    scope_module = "customers"
    has_collaborators = True

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.COMPANY)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=CustomerGrade.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.POTENTIAL
    )
    source = models.CharField(_("source"), max_length=20, choices=CustomerSource.choices, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True, help_text=_("Province / city, e.g. 广东 深圳"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    website = models.URLField(_("website"), max_length=255, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    notes = models.TextField(_("notes"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    # When an opportunity was last won or a contract signed with this customer (pool return rules read it).
    last_deal_at = models.DateTimeField(_("last deal"), null=True, blank=True, editable=False)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Spaced CJK characters, pinyin and initials of the name and its contacts, for search.
    search_document = models.TextField(blank=True, editable=False, default="")
    # Bumped on every update; an edit based on an older version is refused (concurrent edits).
    version = models.PositiveIntegerField(default=1, editable=False)
    # The pool (公海) the customer waits in when it has no owner, or returns to when it has one.
    # Indexed only where the pool list and the sweep read it (Meta.indexes), not for every row.
    pool = models.ForeignKey("CustomerPool", verbose_name=_("customer pool"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", editable=False, db_index=False)
    # When the current owner claimed it or was assigned it from the pool: the return rules count from here.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)
    # The owner's notice from the daily sweep: the customer returns to the pool at this time under `pool_return_rule`
    # unless something happens first. `pool_warned_at` is when the notice was last confirmed.
    pool_return_due_at = models.DateTimeField(_("returns to the pool at"), null=True, blank=True, editable=False)
    # Nullable, unlike other text columns: adding a NOT NULL column would make SQLite copy the whole table.
    pool_return_rule = models.CharField(_("return rule"), max_length=20, choices=ReturnRule.choices, null=True,
                                        blank=True, editable=False)
    pool_warned_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CustomerManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"], name="customer_owner"),
            models.Index(fields=["department", "-id"], name="customer_department"),
            models.Index(fields=["status", "-id"], name="customer_status"),
            models.Index(fields=["grade", "-id"], name="customer_grade"),
            models.Index(fields=["industry", "-id"], name="customer_industry"),
            models.Index(fields=["region", "-id"], name="customer_region"),
            models.Index(fields=["name"], name="customer_name"),
            models.Index(fields=["phone_e164"], name="customer_phone"),
            models.Index(fields=["email"], name="customer_email"),
            models.Index(fields=["last_contacted_at"], name="customer_last_contacted"),
            models.Index(fields=["next_follow_up_at"], name="customer_next_follow_up"),
            # Only the recycle bin reads by deleted_at; indexing live rows (all NULL) would lead SQLite's
            # planner to read every customer through this index instead of in the order a page asks for.
            models.Index(fields=["deleted_at"], name="customer_deleted", condition=models.Q(deleted_at__isnull=False)),
            # The pool list: one pool's waiting customers, newest first.
            models.Index(fields=["pool", "-id"], name="customer_in_pool",
                         condition=Q(owner__isnull=True, deleted_at__isnull=True)),
            # The return sweep: owned customers by when their follow-up and deal clocks started, so each
            # day's sweep reads only those past a rule's limit (a customer never contacted counts from creation).
            models.Index(Coalesce("last_contacted_at", "created_at"), name="customer_owned_contact_clock",
                         condition=Q(owner__isnull=False, deleted_at__isnull=True)),
            models.Index(Coalesce("last_deal_at", "created_at"), name="customer_owned_deal_clock",
                         condition=Q(owner__isnull=False, deleted_at__isnull=True)),
            models.Index(fields=["pool_return_due_at"], name="customer_pool_notice",
                         condition=Q(pool_return_due_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None and self.pool_id is not None

    @property
    def pool_return_pending(self) -> dt.datetime | None:
        """When the customer returns to the pool, if the owner's notice still stands.

        A follow-up (for the follow-up rule) or a won deal (for the deal rule) after the notice lifts
        it at once; the next sweep then clears it from the row.
        """
        due, warned = self.pool_return_due_at, self.pool_warned_at
        if due is None or warned is None or self.owner_id is None:
            return None
        moved = self.last_contacted_at if self.pool_return_rule == ReturnRule.NO_FOLLOW_UP else self.last_deal_at
        if moved is not None and moved > warned:
            return None
        return due

    @property
    def pool_return_in_days(self) -> int | None:
        """Whole days left until the pending return (0 when it is due at the next sweep)."""
        due = self.pool_return_pending
        if due is None:
            return None
        return max(0, math.ceil((due - timezone.now()) / dt.timedelta(days=1)))


class Contact(TimeStampedModel, SoftDeleteModel):
    """A person at a customer (联系人); visible to whoever sees the customer."""

    scope_module = "customers"
    scope_via = "customer"

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    mobile_e164 = models.CharField(max_length=20, blank=True, editable=False)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    search_document = models.TextField(blank=True, editable=False, default="")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    # Seen through its customer, so also by the members of the pool the customer waits in.
    objects = CustomerManager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["customer", "-id"], name="contact_customer"),
            models.Index(fields=["name"], name="contact_name"),
            models.Index(fields=["mobile_e164"], name="contact_mobile"),
            models.Index(fields=["phone_e164"], name="contact_phone"),
            models.Index(fields=["email"], name="contact_email"),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerPool(models.Model):
    """A customer pool (公海): customers nobody owns, which the pool's members see and claim.

    Without a department it is company-wide; with one, it belongs to that department and those below it.
    """

    name = models.CharField(_("name"), max_length=80)
    department = models.ForeignKey("org.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   help_text=_("Leave empty for a pool of the whole company."))
    description = models.CharField(_("description"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("customer pool")
        verbose_name_plural = _("customer pools")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="customer_pool_unique_name"),
            # One pool per department, so each department's customers have one pool to return to.
            models.UniqueConstraint(fields=["department"], name="customer_pool_one_per_department"),
        ]

    def __str__(self) -> str:
        return self.name


DAYS = [MinValueValidator(1), MaxValueValidator(3650)]


class PoolRule(models.Model):
    """The rules (公海规则) of a pool for one customer grade, or (blank grade) for every grade without its own.

    A blank limit means the rule does not apply. `max_owned` on the blank-grade rule caps all the
    customers a seller owns; on a grade's rule, those of that grade.
    """

    pool = models.ForeignKey(CustomerPool, on_delete=models.CASCADE, related_name="rules")
    grade = models.CharField(_("grade"), max_length=1, choices=CustomerGrade.choices, blank=True)
    no_follow_up_days = models.PositiveSmallIntegerField(
        _("return after days without a follow-up"), null=True, blank=True, validators=DAYS)
    no_deal_days = models.PositiveSmallIntegerField(
        _("return after days without a won deal"), null=True, blank=True, validators=DAYS)
    warn_days = models.PositiveSmallIntegerField(
        _("warn the owner days before"), null=True, blank=True, validators=[MinValueValidator(1),
                                                                             MaxValueValidator(365)])
    max_owned = models.PositiveIntegerField(
        _("most customers a seller may own"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)])
    reclaim_wait_days = models.PositiveSmallIntegerField(
        _("days before a previous owner may claim again"), null=True, blank=True, validators=DAYS)

    class Meta:
        verbose_name = _("pool rule")
        verbose_name_plural = _("pool rules")
        ordering = ["pool", "grade"]
        constraints = [models.UniqueConstraint(fields=["pool", "grade"], name="pool_rule_unique_grade")]

    def __str__(self) -> str:
        return f"{self.pool_id}:{self.grade or '*'}"


class OwnershipEvent(models.Model):
    """One change of a customer's owner through the pool (领取 / 退回 / 分配): the customer's pool history."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="ownership_events")
    kind = models.CharField(_("what happened"), max_length=20, choices=OwnershipEventKind.choices)
    pool = models.ForeignKey(CustomerPool, verbose_name=_("customer pool"), null=True, on_delete=models.SET_NULL,
                             related_name="+")
    # Kept as text too, so the history still reads right after a pool is renamed or deleted.
    pool_name = models.CharField(max_length=80, blank=True)
    previous_owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("previous owner"), null=True,
                                       on_delete=models.SET_NULL, related_name="+")
    new_owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("new owner"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    # Who did it; empty for the daily sweep.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
                              related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    rule = models.CharField(_("rule"), max_length=20, choices=ReturnRule.choices, blank=True)
    rule_days = models.PositiveSmallIntegerField(null=True, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("ownership event")
        verbose_name_plural = _("ownership events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="ownership_customer")]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id}"
