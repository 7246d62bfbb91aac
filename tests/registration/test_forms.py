"""The step forms and the continuing students' forms (matricule.registration.forms): what each
clean() requires, in words, beside the field concerned."""

import datetime

import pytest
from django.utils import timezone

from matricule.institution.models import Stage
from matricule.registration import forms
from tests.registration.conftest import ANSWERS


def codes(form):
    """{field: [error codes]} of a bound form."""
    form.is_valid()
    return {field: [error.code for error in errors] for field, errors in form.errors.as_data().items()}


def test_the_answers_of_every_step_are_valid():
    for form_class, key in [
        (forms.IdentityForm, "identity"),
        (forms.IneForm, "ine"),
        (forms.BaccalaureateForm, "baccalaureate"),
        (forms.PreviousForm, "previous"),
        (forms.ContactsForm, "contacts"),
        (forms.SocialForm, "social"),
        (forms.ProgrammeForm, "programme"),
    ]:
        form = form_class(data=ANSWERS[key])
        assert form.is_valid(), (key, form.errors)


def test_an_ine_is_normalised_and_its_kind_kept():
    form = forms.IneForm(data={"has_ine": "yes", "ine": " 0494004062m "})

    assert form.is_valid()
    assert (form.cleaned_data["ine"], form.cleaned_data["ine_kind"], form.cleaned_data["ine_to_verify"]) == (
        "0494004062M",
        "bea",
        False,
    )
    apprentice = forms.IneForm(data={"has_ine": "yes", "ine": "1234A12345B"})
    assert apprentice.is_valid() and apprentice.cleaned_data["ine_to_verify"] is True


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"has_ine": "yes", "ine": ""}, {"ine": [None]}),
        ({"has_ine": "yes", "ine": "0494004062N"}, {"ine": ["key"]}),
        ({"has_ine": "no", "no_ine_reason": ""}, {"no_ine_reason": [None]}),
        ({"has_ine": "no", "no_ine_reason": "foreign_school"}, {}),
    ],
)
def test_an_ine_or_the_reason_for_none(data, errors):
    assert codes(forms.IneForm(data=data)) == errors


def test_a_french_baccalaureate_needs_its_series_and_school_an_equivalent_its_name_and_country():
    french = {**ANSWERS["baccalaureate"], "series": "", "school": ""}
    assert set(codes(forms.BaccalaureateForm(data=french))) == {"series", "school"}
    equivalent = {**ANSWERS["baccalaureate"], "kind": "equivalent"}
    assert set(codes(forms.BaccalaureateForm(data=equivalent))) == {"equivalent_name", "equivalent_country"}


def test_the_baccalaureate_year_is_asked_and_not_in_the_future():
    assert set(codes(forms.BaccalaureateForm(data={**ANSWERS["baccalaureate"], "year": ""}))) == {"year"}
    next_year = str(timezone.now().year + 1)
    assert set(codes(forms.BaccalaureateForm(data={**ANSWERS["baccalaureate"], "year": next_year}))) == {
        "year"
    }


def test_contacts_check_the_phones_the_email_typed_twice_and_the_permanent_address():
    data = {
        **ANSWERS["contacts"],
        "phone": "06 12",
        "email_confirmation": "CHLOE.LEFEVRE@example.org",  # the same, whatever the case
        "same_permanent_address": "no",
    }
    assert set(codes(forms.ContactsForm(data=data))) == {"phone", "permanent_address"}
    data = {
        **ANSWERS["contacts"],
        "emergency_phone": "+33 6 12 34 56 78 90 12 34",
        "email_confirmation": "x@y.org",
    }
    assert set(codes(forms.ContactsForm(data=data))) == {"emergency_phone", "email_confirmation"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" +33 6 12 34 56 78 ", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+48 601 234 567", "+48601234567"),
    ],
)
def test_phones_are_stored_in_e164(typed, stored):
    form = forms.ContactsForm(data={**ANSWERS["contacts"], "phone": typed})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == stored


def test_a_stored_phone_is_shown_back_in_its_usual_form():
    form = forms.ContactsForm(initial={**ANSWERS["contacts"], "phone": "+33612345678"})

    assert form["phone"].value() == "06 12 34 56 78"
    assert 'value="06 12 34 56 78"' in str(form["phone"])


def test_a_phone_that_cannot_be_dialled_says_how_to_write_it():
    form = forms.ContactsForm(data={**ANSWERS["contacts"], "phone": "06 12 34"})

    assert codes(form) == {"phone": ["phone"]}
    assert "+32 470 12 34 56" in form.errors["phone"][0]  # how to write a number abroad


def test_countries_are_chosen_from_the_iso_list_and_stored_as_codes():
    form = forms.IdentityForm(data={**ANSWERS["identity"], "birth_country": "PL", "nationality": "Belgique"})

    assert form.is_valid(), form.errors
    # A name (typed where the list could not be shown, or sent by a script) is read as its code.
    assert (form.cleaned_data["birth_country"], form.cleaned_data["nationality"]) == ("PL", "BE")
    assert codes(forms.IdentityForm(data={**ANSWERS["identity"], "nationality": "Atlantide"})) == {
        "nationality": ["invalid_choice"]
    }


def test_a_country_typed_before_the_list_is_preselected_in_it():
    form = forms.IdentityForm(initial={"birth_country": "France", "nationality": "Française"})

    assert '<option value="FR" selected>France</option>' in str(form["birth_country"])
    assert '<option value="FR" selected>France</option>' in str(form["nationality"])


@pytest.mark.parametrize(
    ("school", "stored", "error"),
    [
        ("0280007F", "0280007F", None),
        (" 0280021w ", "0280021W", None),
        ("Lycée Marceau, Chartres", "Lycée Marceau, Chartres", None),  # a name is taken as written
        ("0280007G", None, "uai_key"),  # the letter does not match the digits
        ("0280007", None, "uai_shape"),  # the letter is missing
    ],
)
def test_a_school_given_by_its_uai_code_is_checked(school, stored, error):
    form = forms.BaccalaureateForm(data={**ANSWERS["baccalaureate"], "school": school})

    if error:
        assert codes(form) == {"school": [error]}
    else:
        assert form.is_valid(), form.errors
        assert form.cleaned_data["school"] == stored


def test_a_french_postal_code_has_five_digits():
    ok = forms.ContactsForm(data={**ANSWERS["contacts"], "postal_code": "28 000"})
    assert ok.is_valid() and ok.cleaned_data["postal_code"] == "28000"
    assert "postal_code" in codes(forms.ContactsForm(data={**ANSWERS["contacts"], "postal_code": "2800"}))
    # Abroad, the postal code is the country's business.
    abroad = {**ANSWERS["contacts"], "country": "PL", "postal_code": "31-019", "city": "Kraków"}
    assert forms.ContactsForm(data=abroad).is_valid()


@pytest.mark.parametrize("typed", ["2005-05-02", "02/05/2005", "02-05-2005", "02.05.2005"])
def test_the_student_login_takes_a_date_as_students_type_it(typed):
    form = forms.StudentLoginForm(data={"number": "25000102", "birth_date": typed, "email": "a@example.org"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == datetime.date(2005, 5, 2)


def test_the_additional_form_offers_the_given_stages_named_with_their_programme(demo):
    stages = Stage.objects.filter(code__in=["LINFO-1", "GEII-1"]).select_related("programme__component")
    form = forms.AdditionalForm(stages=stages)

    labels = [label for value, label in form.fields["stage"].choices if value]
    assert len(labels) == 2
    linfo = stages.get(code="LINFO-1")
    assert f"{linfo.name} — {linfo.programme.name}, {linfo.programme.component.name}" in labels
    assert not forms.AdditionalForm({"stage": Stage.objects.get(code="GEA-1").pk}, stages=stages).is_valid()
