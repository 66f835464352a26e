"""Sales targets (业绩目标) per user and department, and progress against them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import ScopedManager, ScopedQuerySet, TimeStampedModel
from guanxi.core.money import currency_field, money_field

from . import scopes
from .choices import Metric, PeriodKind
from .periods import FIRST_YEAR, LAST_YEAR, Period

AMOUNT_TOO_SMALL = _("Enter an amount greater than zero.")


class TargetQuerySet(ScopedQuerySet):
    """Targets are reached through their subject (a person or a department), not an owner column."""

    def within_scope(self, actor, *, can_edit: bool = False):
        if not actor.is_active:
            return self.none()
        q = scopes.targets_q(actor)
        return self if q is None else self.filter(q)


class TargetManager(ScopedManager.from_queryset(TargetQuerySet)):  # type: ignore[misc]
    pass


class Target(TimeStampedModel):
    """A sales target (业绩目标): how much one person or one department should sign or collect
    in a month, a quarter or a year, in one currency."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="sales_targets")
    department = models.ForeignKey("org.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="sales_targets")
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)])
    # The month (1–12) or quarter (1–4); 1 for a year.
    period_index = models.PositiveSmallIntegerField(
        _("month or quarter"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)])
    metric = models.CharField(_("measure"), max_length=10, choices=Metric.choices)
    amount = money_field(_("target amount"),
                         validators=[MinValueValidator(Decimal("0.01"), message=AMOUNT_TOO_SMALL)])
    currency = currency_field()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TargetManager()

    scope_module = scopes.MODULE

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["year", "period_kind", "period_index", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, department__isnull=True)
                | Q(user__isnull=True, department__isnull=False),
                name="target_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(period_kind=PeriodKind.MONTH, period_index__gte=1, period_index__lte=12)
                | Q(period_kind=PeriodKind.QUARTER, period_index__gte=1, period_index__lte=4)
                | Q(period_kind=PeriodKind.YEAR, period_index=1),
                name="target_period_index",
            ),
            models.CheckConstraint(condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR), name="target_year"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="target_amount_positive"),
            models.UniqueConstraint(fields=["user", "metric", "year", "period_kind", "period_index"],
                                    condition=Q(user__isnull=False), name="target_unique_user_period"),
            models.UniqueConstraint(fields=["department", "metric", "year", "period_kind", "period_index"],
                                    condition=Q(department__isnull=False), name="target_unique_department_period"),
        ]
        indexes = [
            models.Index(fields=["year", "metric", "period_kind", "period_index", "id"], name="target_period"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.period.label} · {self.get_metric_display()}"

    @property
    def subject(self):
        return self.user if self.user_id is not None else self.department

    @property
    def period(self) -> Period:
        return Period(self.year, self.period_kind, self.period_index)
