"""One form per step of the registration. Forms validate; services store and act."""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from matricule import countries, phones, postal_codes
from matricule.accounts.forms import birth_date_field, identifier_field, link_email_field

from .identifiers import check_ine, check_uai, looks_like_uai

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def yes_no_field(label, **options) -> forms.ChoiceField:
    """A question answered yes or no, with two radio buttons."""
    return forms.ChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect, **options)


class CountryField(forms.ChoiceField):
    """A country from the ISO 3166 list, named in the page's language; stores the alpha-2 code.
    A country written as text (an older answer, an admission file) is read as its code."""

    def __init__(self, label, **options):
        options.setdefault("widget", forms.Select(attrs={"autocomplete": "country"}))
        super().__init__(label=label, choices=self.country_choices, **options)

    @staticmethod
    def country_choices():
        return [("", _("Choose a country")), *countries.choices()]

    def to_python(self, value):
        text = super().to_python(value)
        return countries.resolve(text) or text

    def prepare_value(self, value):
        return countries.resolve(value) or value if isinstance(value, str) else value


class PhoneField(forms.CharField):
    """A phone number checked by libphonenumber and stored in E.164; shown in its usual form."""

    def __init__(self, label, **options):
        attrs = {"type": "tel", "autocomplete": options.pop("autocomplete", "tel")}
        options.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(label=label, max_length=40, **options)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return phones.to_e164(value)
        except phones.InvalidPhone:
            raise forms.ValidationError(
                _("Enter a phone number such as 06 12 34 56 78, or +32 470 12 34 56 for a number abroad."),
                code="phone",
            ) from None

    def prepare_value(self, value):
        return phones.shown(value) if isinstance(value, str) else value


class StepForm(forms.Form):
    """Base: every field optional at the HTML level; `clean` says what is missing, in words."""

    required_css_class = "field--required"


class IdentityForm(StepForm):
    usual_name = forms.CharField(
        label=_("Usual name"),
        max_length=100,
        required=False,
        help_text=_("Only if you use another name than your birth name (e.g. a spouse's name)."),
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    birth_town = forms.CharField(
        label=_("Town of birth"),
        max_length=100,
        help_text=_(
            "In France, where several communes have that name, add the department: Saint-Denis (93)."
        ),
    )
    birth_country = CountryField(_("Country of birth"))
    nationality = CountryField(_("Nationality"))

    def clean(self):
        data = super().clean()
        # What the SISE survey wants of a birth in France: the commune's INSEE code, when the
        # town names one commune (docs/sise-export.md); never asked, never refused.
        town = data.get("birth_town")
        born_in_france = data.get("birth_country") == "FR" and town
        data["birth_insee"] = postal_codes.town_insee_code(town) if born_in_france else ""
        return data


class IneForm(StepForm):
    NO_INE_REASONS = [
        ("", _("Choose a reason")),
        ("foreign_school", _("I did my secondary education abroad")),
        ("unknown", _("I cannot find it")),
        ("other", _("Other reason")),
    ]
    has_ine = yes_no_field(_("Do you have a national student identifier (INE)?"))
    ine = identifier_field(
        _("INE or BEA"),
        max_length=20,
        required=False,
        help_text=_("11 characters, on your baccalaureate exam notice or transcript, e.g. 0494004062M."),
        autocapitalize="characters",
    )
    no_ine_reason = forms.ChoiceField(label=_("Why have you no INE?"), choices=NO_INE_REASONS, required=False)

    def clean(self):
        data = super().clean()
        if data.get("has_ine") == "yes":
            value = data.get("ine", "")
            if not value:
                self.add_error("ine", _("Enter your INE, or answer that you have none."))
            else:
                try:
                    result = check_ine(value)
                except forms.ValidationError as error:
                    self.add_error("ine", error)
                else:
                    data["ine"] = result.value
                    data["ine_kind"] = result.kind
                    data["ine_to_verify"] = not result.verified
        elif data.get("has_ine") == "no" and not data.get("no_ine_reason"):
            self.add_error("no_ine_reason", _("Say why you have no INE."))
        return data


class BaccalaureateForm(StepForm):
    KINDS = [("french", _("French baccalaureate")), ("equivalent", _("Equivalent diploma"))]
    SERIES = [
        ("", _("Choose")),
        ("Générale", _("General")),
        ("STI2D", "STI2D"),
        ("STMG", "STMG"),
        ("STL", "STL"),
        ("ST2S", "ST2S"),
        ("STD2A", "STD2A"),
        ("STAV", "STAV"),
        ("STHR", "STHR"),
        ("S2TMD", "S2TMD"),
        ("Professionnel", _("Vocational")),
    ]
    HONOURS = [
        ("", _("None")),
        ("Assez bien", _("Fairly good (assez bien)")),
        ("Bien", _("Good (bien)")),
        ("Très bien", _("Very good (très bien)")),
    ]
    kind = forms.ChoiceField(
        label=_("Diploma giving access to higher education"), choices=KINDS, widget=forms.RadioSelect
    )
    year = forms.IntegerField(
        label=_("Year obtained"),
        min_value=1950,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    series = forms.ChoiceField(label=_("Track or series"), choices=SERIES, required=False)
    honours = forms.ChoiceField(label=_("Honours"), choices=HONOURS, required=False)
    school = forms.CharField(label=_("School (name or UAI code)"), max_length=150, required=False)
    equivalent_name = forms.CharField(
        label=_("Name of the equivalent diploma"), max_length=150, required=False
    )
    equivalent_country = CountryField(_("Country where it was obtained"), required=False)

    def clean_school(self):
        school = self.cleaned_data.get("school", "").strip()
        return check_uai(school) if looks_like_uai(school) else school

    def clean(self):
        data = super().clean()
        year = data.get("year")
        if year is None and "year" not in self.errors:
            self.add_error("year", _("Enter the year you obtained it."))
        elif year and year > timezone.now().year:
            self.add_error("year", _("The year cannot be in the future."))
        if data.get("kind") == "french":
            if not data.get("series"):
                self.add_error("series", _("Choose your track or series."))
            if not data.get("school") and "school" not in self.errors:
                self.add_error("school", _("Enter your school."))
        elif data.get("kind") == "equivalent":
            for field in ("equivalent_name", "equivalent_country"):
                if not data.get(field):
                    self.add_error(field, _("This information is needed for an equivalent diploma."))
        return data


class PreviousForm(StepForm):
    SITUATIONS = [
        ("", _("Choose")),
        ("secondary", _("Secondary school (lycée)")),
        ("higher", _("Higher education")),
        ("employed", _("In employment")),
        ("other", _("Other")),
    ]
    last_situation = forms.ChoiceField(label=_("Your situation last year"), choices=SITUATIONS)
    last_establishment = forms.CharField(label=_("Last establishment attended"), max_length=150)
    last_establishment_year = forms.IntegerField(
        label=_("Last year attended there"), min_value=1950, max_value=2100
    )


class TownInput(forms.TextInput):
    """A town, offered the communes of the postal code typed (`communes`, set by the form) in a
    <datalist>: the browser suggests them as the town is typed, without any script."""

    communes: tuple[str, ...] = ()

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        identifier = (attrs or {}).get("id") or self.attrs.get("id")
        if not self.communes or not identifier:
            return html
        return format_html(
            '{}<datalist id="{}_communes">{}</datalist>',
            html,
            identifier,
            format_html_join("", '<option value="{}"></option>', ((commune,) for commune in self.communes)),
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        identifier = context["widget"]["attrs"].get("id")
        if self.communes and identifier:
            context["widget"]["attrs"]["list"] = f"{identifier}_communes"
        return context


def address_fields(street_label, *, country_initial=None) -> tuple[forms.CharField, ...]:
    """The fields of an address during the year, in this order: street (labelled
    `street_label`), postal code, town, country. The contacts step asks them; a change of
    address request changes them (`cleaned["contacts"]`). A French postal code and its town
    are checked together (`check_postal_code`)."""
    return (
        forms.CharField(
            label=street_label,
            max_length=200,
            widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
        ),
        forms.CharField(
            label=_("Postal code"),
            max_length=10,
            widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        ),
        forms.CharField(
            label=_("Town"), max_length=100, widget=TownInput(attrs={"autocomplete": "address-level2"})
        ),
        CountryField(_("Country"), initial=country_initial),
    )


class ContactsForm(StepForm):
    street, postal_code, city, country = address_fields(
        _("Address during the academic year"), country_initial="FR"
    )
    same_permanent_address = yes_no_field(_("Is it also your permanent (family) address?"))
    permanent_address = forms.CharField(
        label=_("Permanent address (street, postal code, town, country)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = PhoneField(_("Mobile phone"))
    email = forms.EmailField(
        label=_("Personal email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    email_confirmation = forms.EmailField(
        label=_("Personal email address, again"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    emergency_name = forms.CharField(label=_("Person to contact in an emergency"), max_length=150)
    emergency_phone = PhoneField(_("Their phone number"), autocomplete="off")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_communes(self)

    def clean(self):
        data = super().clean()
        email, again = data.get("email"), data.get("email_confirmation")
        if email and again and email.lower() != again.lower():
            self.add_error("email_confirmation", _("The two email addresses differ."))
        if data.get("same_permanent_address") == "no" and not data.get("permanent_address"):
            self.add_error("permanent_address", _("Enter your permanent address."))
        check_postal_code(self, data)
        return data


FRENCH_POSTAL_CODE_RE = re.compile(r"[0-9]{5}")
# A postal code serving more communes than this names some of them in the error.
COMMUNES_NAMED = 12


def offer_communes(form) -> None:
    """The town field of a French address offers the communes of the postal code typed (or
    given at first), once the page comes back with it."""
    values = form.data if form.is_bound else {**form.initial}
    country = countries.resolve(str(values.get("country") or "")) or values.get("country")
    if country == "FR" or (not form.is_bound and not country):
        names = tuple(postal_codes.commune_names(str(values.get("postal_code") or "")))
        form.fields["city"].widget.communes = names


def check_postal_code(form, data) -> None:
    """A French address has a five-digit postal code (stored without spaces: "28 000" is 28000)
    that exists, and a town that is one of the communes it serves (matricule/postal_codes.py:
    accents, case, "St", CEDEX and arrondissements do not matter). Other countries are not
    checked."""
    code = "".join(str(data.get("postal_code") or "").split())
    if data.get("country") != "FR" or not code or "postal_code" in form.errors:
        return
    if not FRENCH_POSTAL_CODE_RE.fullmatch(code):
        form.add_error("postal_code", _("A French postal code has five digits, e.g. 28000."))
        return
    data["postal_code"] = code
    city = data.get("city") or ""
    found = postal_codes.check(code, city if "city" not in form.errors else "")
    if found.status == postal_codes.Status.UNKNOWN_CODE:
        form.add_error(
            "postal_code",
            forms.ValidationError(
                _(
                    "There is no postal code %(code)s in France: check it. For a CEDEX code, "
                    "write CEDEX after the town."
                ),
                code="unknown_postal_code",
                params={"code": code},
            ),
        )
    elif found.status == postal_codes.Status.OTHER_TOWN:
        form.add_error("city", other_town_error(code, found.communes))


def other_town_error(code: str, communes) -> forms.ValidationError:
    """The error on a town its postal code does not serve, naming the communes the code does
    serve (the first twelve of a code serving more): "Postal code 28000 is that of: Chartres."."""
    if len(communes) <= COMMUNES_NAMED:
        message = _("Postal code %(code)s is that of: %(communes)s.")
    else:
        message = _("Postal code %(code)s is that of %(count)s communes, among them: %(communes)s…")
    return forms.ValidationError(
        message,
        code="other_town",
        params={"code": code, "count": len(communes), "communes": ", ".join(communes[:COMMUNES_NAMED])},
    )


class SocialForm(StepForm):
    GRANTS = [
        ("none", _("No grant")),
        ("crous", _("CROUS social-criteria grant")),
        ("government", _("French government grant")),
    ]
    grant = forms.ChoiceField(
        label=_("Are you a grant holder this year?"),
        choices=GRANTS,
        widget=forms.RadioSelect,
        help_text=_(
            "Grant holders are exempt from registration fees. "
            "Your grant notification will be asked as a supporting "
            "document (a provisional one is accepted)."
        ),
    )
    pupille = yes_no_field(
        _("Are you a pupille de la nation?"),
        required=False,
        initial="no",
        help_text=_("Pupilles de la nation are exempt from registration fees (proof requested)."),
    )
    employed = yes_no_field(_("Will you work alongside your studies?"))
    athlete = yes_no_field(_("Are you a high-level athlete?"))
    accommodation = yes_no_field(
        _("Do you wish to ask for study or exam accommodation (disability, long illness)?"),
        help_text=_("The disability office of the university will contact you."),
    )


# The label of a stored grant code, for the pages and exports that show it.
GRANT_LABELS = dict(SocialForm.GRANTS)


class CvecForm(StepForm):
    attestation = identifier_field(
        _("CVEC attestation number"),
        max_length=30,
        help_text=_(
            "On the attestation you downloaded from messervices.etudiant.gouv.fr after "
            "paying the CVEC, or your exemption attestation if you hold a grant."
        ),
        autocapitalize="characters",
    )

    def __init__(self, *args, registration=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.registration = registration

    def clean_attestation(self):
        from matricule.cvec.checks import check_format

        return check_format(self.cleaned_data["attestation"])

    def clean(self):
        from .cvec_step import verify_attestation

        data = super().clean()
        number = data.get("attestation")
        if number and self.registration is not None:
            verdict = verify_attestation(self.registration, number)
            if not verdict.ok and not getattr(verdict, "provisional", False):
                self.add_error("attestation", verdict.message)
            else:
                data["cvec_exempt"] = verdict.exempt
                data["cvec_provisional"] = bool(getattr(verdict, "provisional", False))
        return data


class ProgrammeForm(StepForm):
    confirm_stage = forms.BooleanField(label=_("I confirm I register in this programme stage"))
    photo_on_card = yes_no_field(_("May the university print your photo on your student card?"))
    accept_rules = forms.BooleanField(label=_("I have read the rules of the university and accept them"))
    accept_privacy = forms.BooleanField(
        label=_("I have read the notice on how my personal data is processed")
    )


def today() -> datetime.date:
    return timezone.localdate()


class StudentLoginForm(forms.Form):
    """Continuing students whose account was never activated: student number + birth date +
    email → a connection link."""

    number = identifier_field(
        _("Student number"),
        max_length=20,
        help_text=_("On your student card and on last year's enrolment certificate."),
        autocomplete="username",
        autocapitalize="characters",
    )
    birth_date = birth_date_field()
    email = link_email_field(_("The address of your student account, or the one you gave last year."))


class AdditionalForm(forms.Form):
    stage = forms.ModelChoiceField(
        label=_("Programme to add"), queryset=None, empty_label=_("Choose a programme")
    )

    def __init__(self, *args, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = stages
        self.fields["stage"].label_from_instance = lambda stage: (
            f"{stage.name} — {stage.programme.name}, {stage.programme.component.name}"
        )
