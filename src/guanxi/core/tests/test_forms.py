"""A service's refusal lands on the HTML form whole: field errors on their fields, the rest above it."""

from django import forms

from guanxi.core.errors import DomainError
from guanxi.core.forms import form_errors


class NameForm(forms.Form):
    name = forms.CharField()


def test_field_errors_go_on_their_fields_and_unknown_ones_above_the_form():
    form = NameForm({"name": "腾远"})
    assert form.is_valid()
    form_errors(form, DomainError("invalid", "Please correct the errors below.",
                                  {"name": ["Taken."], "owner": ["Not yours."]}))
    assert form.errors["name"] == ["Taken."] and form.non_field_errors() == ["Not yours."]


def test_a_refusal_without_field_errors_keeps_its_message():
    form = NameForm({"name": "腾远"})
    assert form.is_valid()
    form_errors(form, DomainError("conflict", "Someone else changed this record."))
    assert form.non_field_errors() == ["Someone else changed this record."]
