"""Forms of the import pages. They only parse what was chosen; the services decide what is allowed."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DuplicateMode
from .mapping import Target


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(label=_("File"), help_text=_("CSV (UTF-8 or GBK), Excel .xlsx or .xls"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.xlsm,.xls"}))

    def __init__(self, *args, entities: list[tuple[str, object]], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["entity"]).choices = entities


class MappingForm(forms.Form):
    """One field choice per column, and an optional name to keep the mapping as a template."""

    save_as = forms.CharField(label=_("Save this mapping as a template named"), required=False, max_length=80)

    def __init__(self, *args, headers: list[str], targets: list[Target], mapping: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— leave out —")), *[(t.key, f"{t.label} *" if t.required else t.label) for t in targets]]
        self.columns = []
        for index, header in enumerate(headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(label=header, choices=choices, required=False,
                                                  initial=mapping[index] if index < len(mapping) else "")
            self.columns.append(name)

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(name) or "" for name in self.columns]

    def column_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.columns]


class SheetForm(forms.Form):
    sheet = forms.ChoiceField(label=_("Sheet"))

    def __init__(self, *args, sheets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["sheet"]).choices = [(s, s) for s in sheets]


class OptionsForm(forms.Form):
    duplicate_mode = forms.ChoiceField(label=_("When a row matches a record already in the CRM"),
                                       choices=DuplicateMode.choices, widget=forms.RadioSelect)
