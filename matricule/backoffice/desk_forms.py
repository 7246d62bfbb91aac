"""Forms of the desk registration: who is registered, where and why; the payment or exemption."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from matricule.accounts.forms import birth_date_field, parcoursup_number_field
from matricule.registration.desk import Reason

from .desk_services import Method


class CandidateSearchForm(forms.Form):
    parcoursup = parcoursup_number_field(
        _("With or without the leading P, for example P240012345."), autocomplete="off"
    )


class StartForm(forms.Form):
    """A new person's identity (not asked for an admitted candidate), the stage and the reason."""

    required_css_class = "field--required"

    last_name = forms.CharField(
        label=_("Birth name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    first_names = forms.CharField(
        label=_("First names"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("F", _("Female")), ("M", _("Male"))], widget=forms.RadioSelect
    )
    birth_date = birth_date_field(autocomplete="off")
    email = forms.EmailField(
        label=_("Email address of the student"),
        help_text=_("The link to activate their account is sent there once they are registered."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    stage = forms.ModelChoiceField(
        label=_("Programme stage"), queryset=None, empty_label=_("Choose a programme stage")
    )
    reason = forms.ChoiceField(label=_("Why at the desk?"), choices=Reason.CHOICES, widget=forms.RadioSelect)

    def __init__(self, *args, stages, candidate=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        self.fields["stage"].queryset = stages
        self.fields["stage"].label_from_instance = lambda stage: (
            f"{stage.name} — {stage.programme.name} ({stage.programme.component.name})"
        )
        if candidate is not None:
            # The admission's identity is used as it is.
            for name in ("last_name", "first_names", "sex", "birth_date", "email"):
                del self.fields[name]
            if candidate.stage_id and not self.is_bound:
                self.initial["stage"] = candidate.stage_id
            if candidate.offline_population and not self.is_bound:
                self.initial["reason"] = candidate.offline_population

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value >= timezone.localdate():
            raise forms.ValidationError(_("The date of birth must be in the past."))
        return value

    def identity(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("last_name", "first_names", "sex", "birth_date", "email")
        }


class PaymentForm(forms.Form):
    required_css_class = "field--required"

    method = forms.ChoiceField(label=_("Payment method"), choices=Method.choices, widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label=_("Amount received (€)"),
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reference = forms.CharField(
        label=pgettext_lazy("payment", "Reference"),
        max_length=100,
        required=False,
        help_text=_("Cheque number, card terminal ticket or transfer reference (not needed for cash)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("method") and data["method"] != Method.CASH and not data.get("reference"):
            self.add_error("reference", _("Enter the reference of this payment."))
        return data

    @property
    def amount_cents(self) -> int:
        return int((self.cleaned_data["amount"] * 100).to_integral_value())


class ExemptionForm(forms.Form):
    required_css_class = "field--required"

    reason = forms.CharField(
        label=_("Reason for the exemption"),
        max_length=500,
        help_text=_(
            "For example: exchange agreement with the home university, employer pays "
            "under a training agreement, decision of the president."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError(_("Say why the student is exempt."))
        return value


class JournalForm(forms.Form):
    """Which desk's journal, for which day."""

    component = forms.ModelChoiceField(label=_("Desk"), queryset=None, empty_label=None)
    day = forms.DateField(
        label=_("Day"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a real date, for example 14/09/2026.")},
    )

    def __init__(self, *args, components, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = components


class DayCloseForm(forms.Form):
    counted_cash = forms.DecimalField(
        label=_("Cash counted in the till (€)"),
        help_text=_("Leave it empty if the desk took no cash."),
        required=False,
        min_value=Decimal("0"),
        max_digits=9,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    @property
    def counted_cash_cents(self) -> int | None:
        value = self.cleaned_data.get("counted_cash")
        return None if value is None else int(value * 100)
