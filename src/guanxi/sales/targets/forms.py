"""HTML forms of the target grid. They only parse what was typed; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.errors import DomainError
from guanxi.core.money import Currency

from .choices import Metric, PeriodKind, SubjectKind
from .periods import FIRST_YEAR, LAST_YEAR, Period

COLUMN_CHOICES = [(PeriodKind.MONTH, _("Months")), (PeriodKind.QUARTER, _("Quarters"))]
ROW_CHOICES = [(SubjectKind.USER, pgettext_lazy("grid rows", "People")), (SubjectKind.DEPARTMENT, _("Departments"))]


class DomainErrorsMixin:
    """Shows a service's DomainError on the fields it names, or above the form."""

    def add_domain_error(self, exc: DomainError) -> None:
        form: forms.Form = self  # type: ignore[assignment]
        placed = False
        for field, messages in exc.errors.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
                placed = True
        if not placed:
            form.add_error(None, str(exc.message))


class GridForm(forms.Form):
    """What the grid shows: a year, a measure, months or quarters, people or departments, a currency."""

    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    metric = forms.ChoiceField(label=_("Measure"), choices=Metric.choices, required=False)
    columns = forms.ChoiceField(label=_("Columns"), choices=COLUMN_CHOICES, required=False)
    rows = forms.ChoiceField(label=_("Rows"), choices=ROW_CHOICES, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, required=False)

    def settings(self) -> dict:
        """The valid chosen values; today's year, signed amounts, months, people and CNY for the rest."""
        data: dict = {}
        if self.is_bound:
            self.is_valid()  # keeps the valid fields in cleaned_data even when another one is wrong
            data = self.cleaned_data
        return {
            "year": data.get("year") or timezone.localdate().year,
            "metric": data.get("metric") or Metric.SIGNED,
            "columns": data.get("columns") or PeriodKind.MONTH,
            "rows": data.get("rows") or SubjectKind.USER,
            "currency": data.get("currency") or Currency.CNY,
        }


class CellForm(DomainErrorsMixin, forms.Form):
    """One cell of the grid: the subject, the period, the measure and the amount typed (blank removes)."""

    subject = forms.ChoiceField(choices=SubjectKind.choices)
    subject_id = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    period_kind = forms.ChoiceField(choices=PeriodKind.choices)
    year = forms.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)
    period_index = forms.IntegerField(min_value=1, max_value=12)
    metric = forms.ChoiceField(choices=Metric.choices)
    currency = forms.ChoiceField(choices=Currency.choices)
    # Unbounded here so an absurd entry gets the service's message in the cell, not a bare 400.
    amount = forms.CharField(label=_("Target amount"), required=False, strip=True)
    version = forms.IntegerField(min_value=1, required=False)

    def period(self) -> Period:
        data = self.cleaned_data
        return Period.of(data["period_kind"], data["year"], data["period_index"])


class IdsField(forms.TypedMultipleChoiceField):
    """Ids of the ticked rows; whether the actor may reach them is the service's question."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)

    def valid_value(self, value) -> bool:
        return str(value).isdigit() and 0 < int(value) < 2**63


class BulkForm(DomainErrorsMixin, forms.Form):
    """The same target for every ticked row in every chosen column; the measure, currency and
    kind of rows are the grid's own (posted along as a GridForm)."""

    ids = IdsField(required=False)
    periods = forms.MultipleChoiceField(label=_("Periods"), required=False, choices=[])
    amount = forms.CharField(label=_("Target amount"), strip=True)

    def __init__(self, *args, period_choices: list[Period], **kwargs):
        super().__init__(*args, **kwargs)
        self.period_objects = {p.key: p for p in period_choices}
        periods = self.fields["periods"]
        assert isinstance(periods, forms.MultipleChoiceField)
        periods.choices = [(p.key, p.short_label) for p in period_choices]

    def chosen_periods(self) -> list[Period]:
        return [self.period_objects[key] for key in self.cleaned_data.get("periods") or []]
