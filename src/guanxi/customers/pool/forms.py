"""HTML forms of the customer pool. They only parse what was typed; the pool services decide what is
allowed, and their DomainError field errors are shown on the same form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import DomainError
from guanxi.org.models import Department

from ..choices import CustomerGrade
from .services import ASSIGN_LIMIT, REASON_MAX

# The rule rows of the pool form: every grade without its own rule, then one row per grade.
RULE_ROWS: list[tuple[str, Any]] = [("", _("All other grades")), *CustomerGrade.choices]
RULE_NUMBERS = [
    ("no_follow_up_days", _("Days without a follow-up"), 3650),
    ("no_deal_days", _("Days without a won deal"), 3650),
    ("warn_days", _("Warn days before"), 365),
    ("max_owned", _("Most owned per seller"), 1_000_000),
    ("reclaim_wait_days", _("Days before reclaiming"), 3650),
]


def _row_key(grade: str) -> str:
    return grade or "all"


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why does the customer go back to the pool?"), max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX}))


class AssignForm(forms.Form):
    """Managers: give ticked pool customers to a seller."""

    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], error_messages={
        "required": _("Tick the customers to assign.")})
    owner: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, empty_label=_("Seller…"),
        error_messages={"required": _("Choose the seller to assign to."),
                        "invalid_choice": _("Choose an active seller in your team.")})

    def __init__(self, *args, sellers, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = sellers
        ids = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        # Any id typed is a choice here; the service answers for ids out of reach.
        choices = self.fields["ids"]
        assert isinstance(choices, forms.TypedMultipleChoiceField)
        choices.choices = [(i, i) for i in ids[:ASSIGN_LIMIT + 1] if str(i).isdigit() and len(str(i)) < 19]

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if len(ids) > ASSIGN_LIMIT:
            raise forms.ValidationError(_("Choose at most %(n)d customers at a time.") % {"n": ASSIGN_LIMIT})
        return ids


class PoolForm(forms.Form):
    """A pool's name, department and description, and its rules by grade."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    name = forms.CharField(label=_("Name"), max_length=80)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.order_by("path"),
                                        required=False, empty_label=_("The whole company"),
                                        help_text=_("Its members are the users of this department and those "
                                                    "below it."))
    description = forms.CharField(label=_("Description"), max_length=255, required=False)

    def __init__(self, *args, pool=None, **kwargs):
        initial: dict[str, Any] = dict(kwargs.pop("initial", None) or {})
        if pool is not None:
            initial.update({"version": pool.version, "name": pool.name, "department": pool.department_id,
                            "description": pool.description})
            for rule in pool.rules.all():
                key = _row_key(rule.grade)
                initial[f"rule_{key}_on"] = True
                for name, _label, _top in RULE_NUMBERS:
                    initial[f"rule_{key}_{name}"] = getattr(rule, name)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for grade, _label in RULE_ROWS:
            key = _row_key(grade)
            self.fields[f"rule_{key}_on"] = forms.BooleanField(required=False, label=_("Own rule"))
            for name, label, top in RULE_NUMBERS:
                self.fields[f"rule_{key}_{name}"] = forms.IntegerField(
                    label=label, required=False, min_value=1, max_value=top,
                    widget=forms.NumberInput(attrs={"min": 1, "max": top, "inputmode": "numeric"}))

    def rule_rows(self) -> list[dict[str, Any]]:
        """The rules table: one row per grade with its bound fields."""
        return [{"grade": grade, "label": label, "on": self[f"rule_{_row_key(grade)}_on"] if grade else None,
                 "fields": [self[f"rule_{_row_key(grade)}_{name}"] for name, _l, _t in RULE_NUMBERS]}
                for grade, label in RULE_ROWS]

    def _rows_in_use(self) -> list[str]:
        """Grades whose rule row is saved: the catch-all row when it has any value, a grade's when ticked."""
        used = []
        for grade, _label in RULE_ROWS:
            key = _row_key(grade)
            has_values = any(self.cleaned_data.get(f"rule_{key}_{n}") is not None for n, _l, _t in RULE_NUMBERS)
            if (grade and self.cleaned_data.get(f"rule_{key}_on")) or (not grade and has_values):
                used.append(grade)
        return used

    def pool_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("name", "department", "description")}

    def rules(self) -> list[dict[str, Any]]:
        return [{"grade": grade, **{n: self.cleaned_data.get(f"rule_{_row_key(grade)}_{n}")
                                    for n, _l, _t in RULE_NUMBERS}} for grade in self._rows_in_use()]

    def add_domain_error(self, exc: DomainError) -> None:
        """Field errors on their fields; a rule's (`rules.<n>.<field>`) on that row's field."""
        grades = self._rows_in_use() if hasattr(self, "cleaned_data") else []
        placed = False
        for field, messages in exc.errors.items():
            target = field if field in self.fields else None
            parts = field.split(".")
            if parts[0] == "rules" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(grades):
                name = f"rule_{_row_key(grades[int(parts[1])])}_{parts[2]}"
                target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)
                placed = True
        if not placed:
            self.add_error(None, str(exc.message))
