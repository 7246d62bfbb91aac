"""The documents forms: the student's upload, and the reviewer's decision on one document."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from matricule.documents.forms import DecisionForm, UploadForm
from matricule.documents.models import RefusalReason

from .conftest import png_bytes


def test_an_upload_needs_a_file_and_offers_the_accepted_types():
    assert not UploadForm({}, {}).is_valid()
    form = UploadForm({}, {"file": SimpleUploadedFile("photo.png", png_bytes(), "image/png")})
    assert form.is_valid()
    accept = form.fields["file"].widget.attrs["accept"]
    assert accept.split(",") == ["application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif"]


def test_validating_needs_nothing_more():
    form = DecisionForm({"decision": "validate"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["valid_until"] is None and form.cleaned_data["reason"] is None


def test_an_unknown_decision_is_refused():
    assert set(DecisionForm({"decision": "postpone"}).errors) == {"decision"}


def test_a_refusal_needs_a_reason_or_a_comment(db):
    with translation.override("en"):
        bare = DecisionForm({"decision": "refuse"})
        assert not bare.is_valid()
        assert bare.errors["reason"] == ["Give the reason for the refusal."]
    assert DecisionForm({"decision": "refuse", "comment": "Photo floue"}).is_valid()
    reason = RefusalReason.objects.create(label_fr="Document illisible")
    chosen = DecisionForm({"decision": "refuse", "reason": reason.pk})
    assert chosen.is_valid() and chosen.cleaned_data["reason"] == reason


@pytest.mark.parametrize("typed", ["2031-03-14", "14/03/2031"])
def test_the_expiry_is_typed_as_on_the_document_or_as_an_iso_date(typed):
    form = DecisionForm({"decision": "validate", "valid_until": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["valid_until"] == datetime.date(2031, 3, 14)


def test_a_date_that_is_not_one_is_explained_with_an_example():
    with translation.override("en"):
        form = DecisionForm({"decision": "validate", "valid_until": "31/02/2031"})
        assert form.errors["valid_until"] == ["Enter a real date, for example 14/03/2031."]
