"""One form per kind of request (the student's side), the attachment form and the decision form
(the registrar's side). Forms validate; services file and decide."""

import decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from matricule import countries
from matricule.institution.templatetags.matricule_format import euros
from matricule.registration.forms import address_fields, check_postal_code

from .models import CardReason, Kind

ACCEPTED_FILES = "application/pdf,image/jpeg,image/png,image/heic,image/heif"
FILE_HELP = _("PDF, JPEG, PNG or a phone photo (HEIC), 10 MB at most.")


def _attachment(label, *, required: bool, help_text=FILE_HELP):
    return forms.FileField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
    )


def _text(label, *, rows: int, max_length: int = 2000, required: bool = True, help_text=""):
    """A free text of a few lines."""
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class DescribedForm(forms.Form):
    """A form with a hook to adapt its fields; hints and errors are tied to their input by the
    shared field template (`described_widget`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.adapt()

    def adapt(self):
        """Per-form adjustments of the fields, before their bound fields are made."""


class RequestForm(DescribedForm):
    """Base: `data_for_request()` is what the request keeps; `attachment` an optional or required file."""

    required_css_class = "field--required"
    title = ""
    intro = ""

    def __init__(self, *args, registration=None, **kwargs):
        self.registration = registration
        super().__init__(*args, **kwargs)

    def data_for_request(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "attachment"}


class AddressChangeForm(RequestForm):
    title = _("Change of address")
    intro = _(
        "Your new address during the academic year. Once the registrar's office accepts it, your "
        "next enrolment certificate shows it."
    )
    street, postal_code, city, country = address_fields(_("New address (number and street)"))
    attachment = _attachment(_("Proof of address (optional)"), required=False)

    def clean(self):
        data = super().clean()
        current = dict((self.registration.cleaned.get("contacts") or {}) if self.registration else {})
        # An address typed before countries were a list names its country in words.
        current["country"] = countries.resolve(current.get("country", "")) or current.get("country", "")
        keys = ("street", "postal_code", "city", "country")
        check_postal_code(self, data)
        if all(data.get(k) for k in keys) and all(
            str(data[k]).strip().lower() == str(current.get(k, "")).strip().lower() for k in keys
        ):
            raise forms.ValidationError(_("This is the address we already have: change it before sending."))
        return data


class SituationChangeForm(RequestForm):
    title = _("Change of situation")
    intro = _(
        "For example: you started a job, you became a parent, your grant changed, you need "
        "special arrangements. Describe the change and since when."
    )
    situation = _text(_("Your new situation"), rows=5)
    attachment = _attachment(_("Proof (optional)"), required=False)


class CardReissueForm(RequestForm):
    title = _("New student card")
    intro = _(
        "If your student card was lost, stolen or damaged, ask for a new one. Attach the "
        "declaration of loss or theft (or a photo of the damaged card)."
    )
    reason = forms.ChoiceField(
        label=_("What happened to your card?"), choices=CardReason.choices, widget=forms.RadioSelect
    )
    details = _text(_("Details (optional)"), rows=3, max_length=1000, required=False)
    attachment = _attachment(_("Declaration of loss or theft, or photo of the damaged card"), required=True)


class FeeExemptionForm(RequestForm):
    title = _("Exemption from fees")
    intro = _(
        "Grant holders are exempt automatically. For other grounds (e.g. refugee status, a "
        "personal situation), explain them and attach a proof."
    )
    grounds = _text(_("Grounds for the exemption"), rows=5)
    attachment = _attachment(_("Proof"), required=True)


class FeeRefundForm(RequestForm):
    title = _("Refund of fees")
    intro = _("For example after an exemption granted, a cancelled registration or a double payment.")
    leaving = forms.BooleanField(
        label=_("I am leaving the programme: I give up my registration"),
        required=False,
        help_text=_("Once everything you paid is refunded, your registration is cancelled."),
    )
    reason = _text(_("Why do you ask for a refund?"), rows=4)
    amount = forms.DecimalField(
        label=_("Amount to refund, in euros (optional)"),
        required=False,
        min_value=decimal.Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        localize=True,
        help_text=_("Leave empty to ask for everything you paid."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    attachment = _attachment(_("Proof (optional)"), required=False)

    def __init__(self, *args, refundable_cents: int = 0, **kwargs):
        self.refundable_cents = refundable_cents
        super().__init__(*args, **kwargs)

    def adapt(self):
        self.fields["amount"].help_text = _("Leave empty to ask for everything you paid (%(amount)s).") % {
            "amount": euros(self.refundable_cents)
        }

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and int(amount * 100) > self.refundable_cents:
            raise forms.ValidationError(
                _("You paid %(amount)s: you cannot ask for more."),
                params={"amount": euros(self.refundable_cents)},
            )
        return amount

    def clean(self):
        data = super().clean()
        if not self.refundable_cents:
            raise forms.ValidationError(_("No fee payment of this registration can be refunded."))
        return data

    def data_for_request(self) -> dict:
        data = {"reason": self.cleaned_data["reason"]}
        if self.cleaned_data.get("leaving"):
            data["leaving"] = True
        if self.cleaned_data.get("amount") is not None:
            data["amount_cents"] = int(self.cleaned_data["amount"] * 100)
        return data


FORMS: dict[str, type[RequestForm]] = {
    Kind.ADDRESS_CHANGE: AddressChangeForm,
    Kind.SITUATION_CHANGE: SituationChangeForm,
    Kind.CARD_REISSUE: CardReissueForm,
    Kind.FEE_EXEMPTION: FeeExemptionForm,
    Kind.FEE_REFUND: FeeRefundForm,
}


class AttachmentForm(DescribedForm):
    file = _attachment(_("File or photo"), required=True)


class DecisionForm(DescribedForm):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("refuse", _("Refuse"))])
    message = _text(
        _("Message to the student"),
        rows=3,
        required=False,
        help_text=_("Required to refuse: say why. Sent by email with the decision."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("message") or "").strip():
            self.add_error("message", _("Say why the request is refused."))
        return data
