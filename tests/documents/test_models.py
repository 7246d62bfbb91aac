"""Supporting document rows: names in the reader's language, which documents may be replaced,
server-made file names, and what the database itself refuses."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from matricule.documents.models import DocumentType, RefusalReason, Submission, Version, version_path


def test_names_help_and_reasons_are_in_english_when_there_is_an_english_text():
    passport = DocumentType(code="passport", name_fr="Passeport", name_en="Passport", help_fr="En cours")
    reason = RefusalReason(label_fr="Document illisible", label_en="")
    with translation.override("en"):
        assert passport.name == "Passport"
        assert passport.help == "En cours"  # no English help: the French one
        assert reason.label == "Document illisible"
    with translation.override("fr"):
        assert (passport.name, passport.help, reason.label) == ("Passeport", "En cours", "Document illisible")


@pytest.mark.parametrize(
    ("status", "replaceable"),
    [("missing", True), ("submitted", True), ("refused", True), ("validated", False)],
)
def test_only_a_validated_document_is_kept_as_it_is(status, replaceable):
    assert Submission(status=status).replaceable is replaceable


def test_files_get_a_server_made_name_under_the_registration():
    version = Version(submission=Submission(registration_id=42), extension=".pdf")
    first, second = version_path(version, "../../carte d'identité.exe"), version_path(version, "x.pdf")
    assert first.startswith("documents/42/") and first.endswith(".pdf")
    assert "carte" not in first and ".exe" not in first
    assert first != second  # a new name for every upload


def test_one_row_per_document_of_a_registration_and_known_statuses_only(registered):
    identity = registered.submissions.get(document_type__code="identity")
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(registration=registered, document_type=identity.document_type)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=identity.pk).update(status="lost")
    assert str(identity) == f"{registered.pk} · identity · missing"
