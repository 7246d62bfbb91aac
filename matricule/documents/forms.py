from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RefusalReason


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File or photo"),
        help_text=_("PDF, JPEG, PNG or a phone photo (HEIC), 10 MB at most."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,image/heic,image/heif"}
        ),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("validate", _("Validate")), ("refuse", _("Refuse"))])
    reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=RefusalReason.objects.all(),
        required=False,
        empty_label=_("Choose a reason"),
    )
    comment = forms.CharField(
        label=_("Comment to the student"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Enter a real date, for example 14/03/2031.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("reason") and not data.get("comment"):
            self.add_error("reason", _("Give the reason for the refusal."))
        return data
