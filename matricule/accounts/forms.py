from django import forms
from django.utils.translation import gettext_lazy as _

from matricule.admissions.models import normalize_parcoursup_number

from . import totp


def birth_date_field(*, autocomplete: str = "bday") -> forms.DateField:
    """A date of birth as people type it (14/03/2006, 14-03-2006, 14.03.2006) or a date picker
    sends it; `autocomplete="off"` where an agent types someone else's."""
    return forms.DateField(
        label=_("Date of birth"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"],
        help_text=_("Day, month and year, for example 14/03/2006."),
        error_messages={"invalid": _("Enter a real date, for example 14/03/2006.")},
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": autocomplete}, format="%Y-%m-%d"),
    )


def link_email_field(help_text) -> forms.EmailField:
    """The email address a connection link is asked for (and sent to, when it matches)."""
    return forms.EmailField(
        label=_("Email address"),
        help_text=help_text,
        error_messages={"invalid": _("Enter an email address such as prenom.nom@example.org.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


def identifier_field(
    label, *, max_length: int, help_text="", required: bool = True, **attrs
) -> forms.CharField:
    """A number, code or login typed as it is printed (P240012345, 0494004062M, a student number):
    never spell-checked, which would mark it as a typing mistake. `attrs`: the input's other
    attributes, telling browsers and phone keyboards what it is (autocomplete, inputmode,
    autocapitalize)."""
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={**attrs, "spellcheck": "false"}),
    )


def parcoursup_number_field(help_text, **attrs) -> forms.CharField:
    """A Parcoursup number, typed with or without its leading P."""
    return identifier_field(
        _("Parcoursup number"), max_length=20, help_text=help_text, autocapitalize="characters", **attrs
    )


class AdmissionLoginForm(forms.Form):
    number = parcoursup_number_field(
        _("As printed on your Parcoursup record, with or without the P: for example P240012345."),
        autocomplete="username",
        inputmode="text",
    )
    birth_date = birth_date_field()
    email = link_email_field(_("The address you gave on Parcoursup: the link is sent there."))

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


class CodeForm(forms.Form):
    """A code from the authenticator app (students and staff)."""

    code = identifier_field(
        _("6-digit code"),
        max_length=12,
        help_text=_("Shown by your authenticator app; it changes every 30 seconds."),
        autocomplete="one-time-code",
        inputmode="numeric",
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != totp.DIGITS or not code.isdigit():
            raise forms.ValidationError(
                _("Type the 6 digits shown by your app, for example 123456."), code="invalid"
            )
        return code
