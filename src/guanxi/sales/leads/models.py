"""Leads (线索): capture, assignment, the lead pool, and conversion into customers."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.activities.choices import FollowUpKind
from guanxi.core.models import OwnedModel, ScopedQuerySet, SoftDeleteModel, TimeStampedModel
from guanxi.customers.choices import CustomerSource

from .choices import LeadStatus


class LeadQuerySet(ScopedQuerySet):
    """Lead reads: the owner's data scope, plus the lead pool (leads with no owner) for anyone who may
    view leads, so sellers find and claim them. Editing still needs the lead in the owner scope."""

    def _scope_filter(self, actor, *, can_edit: bool) -> Q | None:
        q = super()._scope_filter(actor, can_edit=can_edit)
        if q is None or can_edit or not actor.has_action("leads.view"):
            return q
        via = getattr(self.model, "scope_via", "")
        prefix = f"{via}__" if via else ""
        return q | Q(**{f"{prefix}owner__isnull": True})


class LeadManager(models.Manager.from_queryset(LeadQuerySet)):  # type: ignore[misc]
    pass


class Lead(OwnedModel, SoftDeleteModel):
    """A lead (线索): a person, often at a company, who may become a customer.

    Without an owner it sits in the lead pool; once converted it records what it became and is read-only.
    """

    scope_module = "leads"

    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=CustomerSource.choices, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True, help_text=_("Province / city, e.g. 广东 深圳"))
    status = models.CharField(_("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    notes = models.TextField(_("notes"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # The company (or, without one, the person) in the duplicate check's normal form.
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True, editable=False)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True, editable=False)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True, editable=False)
    converted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("converted by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    converted_customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="leads", editable=False)
    converted_contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+", editable=False)
    converted_opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"),
                                              null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                              editable=False)
    # Bumped on every update; an edit based on an older version is refused (concurrent edits).
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = LeadManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"], name="lead_owner"),
            models.Index(fields=["department", "-id"], name="lead_department"),
            models.Index(fields=["status", "-id"], name="lead_status"),
            models.Index(fields=["source", "-id"], name="lead_source"),
            models.Index(fields=["region", "-id"], name="lead_region"),
            models.Index(fields=["phone_e164"], name="lead_phone"),
            models.Index(fields=["email"], name="lead_email"),
            models.Index(fields=["name_key"], name="lead_name_key"),
            models.Index(fields=["-updated_at", "-id"], name="lead_updated"),
            # The pool: unowned leads, newest first.
            models.Index(fields=["-id"], name="lead_pool", condition=Q(owner__isnull=True)),
            models.Index(fields=["deleted_at"], name="lead_deleted", condition=Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.company}）" if self.company else self.name

    @property
    def is_converted(self) -> bool:
        return self.status == LeadStatus.CONVERTED


class LeadFollowUp(TimeStampedModel):
    """A follow-up (跟进记录) with a lead: visible to whoever sees the lead; carried to the customer on conversion."""

    scope_module = "leads"
    scope_via = "lead"

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="follow_ups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(pgettext_lazy("follow-up", "kind"), max_length=20, choices=FollowUpKind.choices,
                            default=FollowUpKind.CALL)
    content = models.TextField(_("content"), max_length=10000, validators=[MaxLengthValidator(10000)])
    occurred_at = models.DateTimeField(_("time"))
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)

    objects = LeadManager()

    class Meta:
        verbose_name = _("lead follow-up")
        verbose_name_plural = _("lead follow-ups")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["lead", "-occurred_at"], name="lead_follow_up_lead")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.lead_id}"


class AssignmentRule(models.Model):
    """A lead assignment rule (线索分配规则): leads of these sources and regions go round-robin to a team.

    Rules are tried in `position` order; the first that matches assigns. `turns` counts the leads the rule
    has assigned: the next one goes to member `turns % len(members)`, advanced by a conditional update.
    """

    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    sources = models.JSONField(_("sources"), default=list, blank=True,
                               help_text=_("Leave empty to match every source."))
    regions = models.JSONField(_("regions"), default=list, blank=True,
                               help_text=_("Region prefixes, e.g. 广东; leave empty to match every region."))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="AssignmentRuleMember",
                                     verbose_name=_("team"), related_name="+")
    turns = models.PositiveBigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def matches(self, *, source: str, region: str) -> bool:
        if self.sources and source not in self.sources:
            return False
        return not self.regions or any(region.startswith(prefix) for prefix in self.regions)


class AssignmentRuleMember(models.Model):
    """A seller in an assignment rule's team, in the order the round-robin visits them."""

    rule = models.ForeignKey(AssignmentRule, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["rule", "user"], name="assignment_rule_member_unique")]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.user_id}"
