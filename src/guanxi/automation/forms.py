"""HTML forms: deciding a request, and an approval flow with its conditions and steps.

They only parse what was typed; the services decide what is allowed, and their field errors
(`conditions.<n>.<field>`, `steps.<n>.<field>`) are shown on the row they belong to.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import DomainError

from .approvers import MAX_LEVELS
from .choices import Decision, Operator, StepKind
from .conditions import MAX_CONDITIONS
from .models import MAX_COMMENT
from .registry import Approvable
from .services.approval_flows import MAX_STEPS

EXTRA_ROWS = 2


class DecisionForm(forms.Form):
    """Approve, reject or send back, with a comment (required for reject and send back)."""

    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 2}))


class FlowForm(forms.Form):
    """Name, active flag and priority of a flow."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    name = forms.CharField(label=_("Name"), max_length=80)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    position = forms.IntegerField(label=_("Priority"), min_value=0, max_value=1_000_000, initial=0,
                                  help_text=_("Flows with a lower number are tried first; the first whose "
                                              "conditions all hold applies."))


class ConditionForm(forms.Form):
    """One condition: fact, comparison, number. A row left empty is ignored."""

    fact = forms.ChoiceField(label=_("Fact"), required=False)
    operator = forms.ChoiceField(label=_("Comparison"), choices=[("", "—"), *Operator.choices], required=False)
    value = forms.CharField(label=_("Value"), required=False, max_length=40)

    def __init__(self, *args, facts: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fact"].choices = [("", "—"), *facts]  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) for name in ("fact", "operator", "value"))


class StepForm(forms.Form):
    """One step: who approves it."""

    kind = forms.ChoiceField(label=_("Approver"), choices=[("", "—"), *StepKind.choices], required=False)
    name = forms.CharField(label=_("Step name"), required=False, max_length=80,
                           help_text=_("Optional, e.g. “Finance review”."))
    user: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Person"), queryset=None, required=False)
    role: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Role"), queryset=None, required=False)
    levels = forms.IntegerField(label=_("Levels up"), min_value=1, max_value=MAX_LEVELS, required=False,
                                initial=2)

    def __init__(self, *args, users, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["role"].queryset = roles  # type: ignore[attr-defined]
        # Shows only the inputs the chosen kind of approver needs (all of them without JavaScript).
        self.fields["kind"].widget.attrs["x-model"] = "kind"

    def is_blank(self) -> bool:
        return not getattr(self, "cleaned_data", {}).get("kind")


class BaseRowFormSet(forms.BaseFormSet):
    """Rows in order; deleted and empty rows left out."""

    def kept_forms(self) -> list[forms.Form]:
        forms_in_order = self.ordered_forms if self.can_order else self.forms
        deleted = set(id(f) for f in self.deleted_forms) if self.can_delete else set()
        return [f for f in forms_in_order if id(f) not in deleted and not f.is_blank()]  # type: ignore[attr-defined]


ConditionFormSet = forms.formset_factory(ConditionForm, formset=BaseRowFormSet, extra=EXTRA_ROWS, can_delete=True,
                                         max_num=MAX_CONDITIONS, validate_max=True, absolute_max=MAX_CONDITIONS + 5)
StepFormSet = forms.formset_factory(StepForm, formset=BaseRowFormSet, extra=EXTRA_ROWS, can_delete=True,
                                    can_order=True, max_num=MAX_STEPS, validate_max=True,
                                    absolute_max=MAX_STEPS + 5)


class FlowEditor:
    """The flow form and its two formsets, read and filled together."""

    def __init__(self, data=None, *, approvable: Approvable, users, roles, initial: dict | None = None,
                 conditions: list[dict] | None = None, steps: list[dict] | None = None):
        self.approvable = approvable
        self.flow = FlowForm(data, initial=initial, prefix="flow")
        self.conditions = ConditionFormSet(data, initial=conditions, prefix="cond",
                                           form_kwargs={"facts": approvable.fact_choices()})
        self.steps = StepFormSet(data, initial=steps, prefix="step", form_kwargs={"users": users, "roles": roles})
        self._condition_rows: list[forms.Form] = []
        self._step_rows: list[forms.Form] = []

    def is_valid(self) -> bool:
        valid = all([self.flow.is_valid(), self.conditions.is_valid(), self.steps.is_valid()])
        if valid:
            self._condition_rows = self.conditions.kept_forms()  # type: ignore[attr-defined]
            self._step_rows = self.steps.kept_forms()  # type: ignore[attr-defined]
        return valid

    def flow_data(self) -> dict[str, Any]:
        data = self.flow.cleaned_data
        return {"name": data["name"], "is_active": data["is_active"], "position": data["position"] or 0}

    def condition_data(self) -> list[dict[str, Any]]:
        return [{"fact": f.cleaned_data["fact"], "operator": f.cleaned_data["operator"],
                 "value": f.cleaned_data["value"]} for f in self._condition_rows]

    def step_data(self) -> list[dict[str, Any]]:
        return [{"kind": f.cleaned_data["kind"], "name": f.cleaned_data["name"], "user": f.cleaned_data["user"],
                 "role": f.cleaned_data["role"], "levels": f.cleaned_data["levels"] or 1} for f in self._step_rows]

    def add_domain_error(self, exc: DomainError) -> None:
        placed = False
        for key, messages in exc.errors.items():
            target_form, name = self._target(key)
            for message in messages:
                if name in getattr(target_form, "fields", {}):
                    target_form.add_error(name, message)
                else:
                    self.flow.add_error(None, message)
                placed = True
        if not placed:
            self.flow.add_error(None, str(exc.message))

    def _target(self, key: str) -> tuple[forms.Form, str | None]:
        parts = key.split(".")
        rows = {"conditions": self._condition_rows, "steps": self._step_rows}.get(parts[0])
        if rows is not None and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            return rows[int(parts[1])], parts[2]
        if key in self.flow.fields:
            return self.flow, key
        return self.flow, None

    @property
    def errors(self) -> bool:
        return bool(self.flow.errors or self.conditions.total_error_count() or self.steps.total_error_count())
