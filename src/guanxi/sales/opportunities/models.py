"""Pipelines with ordered stages, opportunities (商机) moving through them, and their stage history."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OwnedModel, ScopedManager, SoftDeleteModel
from guanxi.core.money import currency_field, money_field, round_money

from .choices import OpportunityStatus, StageKind


class Pipeline(models.Model):
    """A sales process (销售流程) with its own stages, e.g. 新客户销售, 续约."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """A step of a pipeline (阶段) with the win probability it implies; won and lost stages close a deal."""

    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE,
                                 related_name="stages")
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(_("win probability %"), default=0,
                                                   validators=[MaxValueValidator(100)])
    kind = models.CharField(_("kind"), max_length=10, choices=StageKind.choices, default=StageKind.OPEN)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name")]

    def __str__(self) -> str:
        return self.name


class LostReason(models.Model):
    """Why deals are lost (输单原因), chosen from a list admins keep so reports can group by it."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Opportunity(OwnedModel, SoftDeleteModel):
    """A chance to sell (商机) to a customer: an amount expected to close by a date, in a stage."""

    scope_module = "opportunities"
    has_collaborators = True

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="opportunities")
    contacts = models.ManyToManyField("customers.Contact", verbose_name=_("contacts"), blank=True,
                                      related_name="opportunities")
    amount = money_field(_("amount"))
    currency = currency_field()
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=OpportunityStatus.choices,
                              default=OpportunityStatus.OPEN, editable=False)
    probability = models.PositiveSmallIntegerField(_("win probability %"), default=0,
                                                   validators=[MinValueValidator(0), MaxValueValidator(100)])
    # Set when a seller types their own probability; a stage change then keeps it.
    probability_overridden = models.BooleanField(default=False, editable=False)
    source = models.CharField(_("source"), max_length=20, blank=True)
    competitors = models.CharField(_("competitors"), max_length=255, blank=True)
    lost_reason = models.ForeignKey(LostReason, verbose_name=_("lost reason"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    lost_note = models.CharField(_("lost note"), max_length=500, blank=True)
    stage_entered_at = models.DateTimeField(null=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"], name="opportunity_owner"),
            models.Index(fields=["department", "-id"], name="opportunity_department"),
            models.Index(fields=["customer", "-id"], name="opportunity_customer"),
            models.Index(fields=["stage", "-id"], name="opportunity_stage"),
            models.Index(fields=["status", "expected_close_date"], name="opportunity_status_close"),
            # Closed deals by when they closed, carrying what the board's won and lost columns (and reports)
            # sum and scope by, so those sums read the index alone.
            models.Index(fields=["status", "closed_at", "pipeline", "stage", "currency", "owner", "department",
                                 "amount"],
                         name="opportunity_status_closed", condition=models.Q(deleted_at__isnull=True)),
            # The weighted pipeline and the board totals group open deals by stage and currency, and
            # by expected close month. These partial indexes hold only live open deals and carry every
            # column the sums and the data scope read (as trailing key columns: SQLite has no INCLUDE),
            # so the sums read the index alone.
            models.Index(fields=["pipeline", "stage", "currency", "owner", "department", "probability", "amount"],
                         name="opportunity_open_stage", condition=models.Q(status="open", deleted_at__isnull=True)),
            models.Index(fields=["expected_close_date", "currency", "pipeline", "owner", "department", "probability",
                                 "amount"],
                         name="opportunity_open_close", condition=models.Q(status="open", deleted_at__isnull=True)),
            # Only the recycle bin reads by deleted_at (see customers.Customer for why it is partial).
            models.Index(fields=["deleted_at"], name="opportunity_deleted",
                         condition=models.Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityLine(models.Model):
    """A product line of an opportunity: what and how much the customer is expected to buy."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("products.Product", verbose_name=_("product"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=1,
                                   validators=[MinValueValidator(0)])
    unit_price = money_field(_("unit price"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description or str(self.product_id)

    @property
    def total(self):
        """Quantity × unit price, rounded to the cent as the opportunity's amount adds it up."""
        return round_money(self.quantity * self.unit_price)


class StageChange(models.Model):
    """One move of an opportunity between stages, with how long it had stayed in the stage it left."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(db_index=True)
    seconds_in_previous = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["opportunity", "changed_at"], name="stage_change_opportunity")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"
