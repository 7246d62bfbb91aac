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


def test_phones_are_kept_as_typed_without_the_spaces_around():
    form = forms.ContactsForm(data={**ANSWERS["contacts"], "phone": " +33 6 12 34 56 78 "})

    assert form.is_valid() and form.cleaned_data["phone"] == "+33 6 12 34 56 78"


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
