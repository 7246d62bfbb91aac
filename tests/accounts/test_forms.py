"""The admission login's form and the authenticator code's form, cleaned as typed."""

import datetime

import pytest

from matricule.accounts.forms import AdmissionLoginForm, CodeForm

DETAILS = {"number": "P240012345", "birth_date": "2006-03-14", "email": "chloe.lefevre@example.org"}


@pytest.mark.parametrize("number", ["P240012345", "p240012345", "240012345", "  P240012345  "])
def test_a_parcoursup_number_is_taken_with_or_without_its_p(number):
    form = AdmissionLoginForm(data={**DETAILS, "number": number})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["number"] == number.strip()


@pytest.mark.parametrize("number", ["ABC", "P24-0012345", "P", "２４００１２３４５"])
def test_what_is_not_a_parcoursup_number_is_refused(number):
    form = AdmissionLoginForm(data={**DETAILS, "number": number})
    assert not form.is_valid()
    assert form.errors.as_data()["number"][0].code == "invalid"


@pytest.mark.parametrize("typed", ["2006-03-14", "14/03/2006", "14-03-2006", "14.03.2006"])
def test_the_date_of_birth_is_read_as_french_readers_write_it(typed):
    form = AdmissionLoginForm(data={**DETAILS, "birth_date": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == datetime.date(2006, 3, 14)


def test_an_impossible_date_and_a_wrong_email_are_refused():
    form = AdmissionLoginForm(data={**DETAILS, "birth_date": "31/02/2006", "email": "chloe"})
    assert not form.is_valid()
    assert set(form.errors) == {"birth_date", "email"}


@pytest.mark.parametrize("typed", ["123456", " 123 456 ", "123\t456"])
def test_a_code_is_six_digits_whatever_the_spaces(typed):
    form = CodeForm(data={"code": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"] == "123456"


@pytest.mark.parametrize("typed", ["12345", "1234567", "12ab56", "+12345", ""])
def test_anything_else_is_not_a_code(typed):
    form = CodeForm(data={"code": typed})
    assert not form.is_valid()
    assert "code" in form.errors
