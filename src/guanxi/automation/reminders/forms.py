from django import forms
from django.utils.translation import gettext_lazy as _

QUARTERS = [(f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h in range(24) for m in (0, 15, 30, 45)]


class DigestForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send me a daily digest of my reminders"), required=False)
    at = forms.TypedChoiceField(label=_("At"), choices=QUARTERS,
                                coerce=lambda value: forms.TimeField().to_python(value))
