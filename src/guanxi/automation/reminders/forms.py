from django import forms
from django.utils.translation import gettext_lazy as _

QUARTERS = [(f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h in range(24) for m in (0, 15, 30, 45)]


class DigestForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send me a daily digest of my reminders"), required=False)
    at = forms.TypedChoiceField(label=_("At"), choices=QUARTERS,
                                coerce=lambda value: forms.TimeField().to_python(value))


class ReminderSettingsForm(forms.Form):
    """The limits, each a whole number of days (checked again by the service)."""

    def __init__(self, *args, fields: list, **kwargs):
        super().__init__(*args, **kwargs)
        for field in fields:
            self.fields[field.name] = forms.IntegerField(label=field.verbose_name, min_value=1, max_value=1000)
