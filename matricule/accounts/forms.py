from django import forms
from django.utils.translation import gettext_lazy as _

from matricule.admissions.models import normalize_parcoursup_number


class AdmissionLoginForm(forms.Form):
    number = forms.CharField(
        label=_("Parcoursup number"),
        max_length=20,
        help_text=_("As printed on your Parcoursup record, with or without the P: for example P240012345."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "inputmode": "text",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"],
        help_text=_("Day, month and year, for example 14/03/2006."),
        error_messages={"invalid": _("Enter a real date, for example 14/03/2006.")},
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The address you gave on Parcoursup: the link is sent there."),
        error_messages={"invalid": _("Enter an email address such as prenom.nom@example.org.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        if normalize_parcoursup_number(number) is None:
            raise forms.ValidationError(
                _(
                    "A Parcoursup number is made of digits, optionally preceded by P "
                    "(for example P240012345)."
                ),
                code="invalid",
            )
        return number
