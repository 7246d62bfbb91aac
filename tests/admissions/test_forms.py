"""The upload form of the admissions file (matricule.admissions.forms): the year offered, and
what clean_file() refuses before anything is read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from matricule.admissions import forms


def bound(name, content=b"numero_parcoursup;nom\n", year=None):
    return forms.AdmissionsUploadForm(
        data={"academic_year": year.pk} if year else {},
        files={"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def codes(form):
    form.is_valid()
    return {field: [error.code for error in errors] for field, errors in form.errors.as_data().items()}


def test_the_current_campaign_is_offered_and_the_limit_said(demo):
    with translation.override("en"):
        form = forms.AdmissionsUploadForm()

        assert form.fields["academic_year"].initial == demo.current_year.pk
        assert "at most 50.0\xa0MB" in str(form.fields["file"].help_text)


@pytest.mark.parametrize("name", ["admis.csv", "ADMIS.CSV", "admis.txt"])
def test_a_csv_or_text_file_is_accepted(demo, name):
    form = bound(name, year=demo.current_year)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["file"].name == name


@pytest.mark.parametrize("name", ["admis.xlsx", "admis.ods", "admis"])
def test_a_spreadsheet_must_be_exported_as_csv_first(demo, name):
    assert codes(bound(name, year=demo.current_year)) == {"file": ["extension"]}


def test_a_file_over_the_limit_is_refused_saying_both_sizes(demo, monkeypatch):
    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 10)

    with translation.override("en"):
        form = bound("admis.csv", year=demo.current_year)

        assert codes(form) == {"file": ["too_large"]}
        assert form.errors["file"] == ["The file is too large (22\xa0bytes): the limit is 10\xa0bytes."]


def test_an_empty_file_and_a_missing_year_are_refused(demo):
    assert codes(bound("admis.csv", content=b"")) == {"academic_year": ["required"], "file": ["empty"]}
