"""Each registration's `documents_waiting_since` (documents/waiting.py): the oldest document
waiting for review, kept on every save of a document, rebuilt for bulk loads."""

import datetime

import pytest
from django.utils import timezone

from matricule.documents import waiting
from matricule.documents.models import DocumentType, Submission
from matricule.registration.models import Registration
from tests.backoffice.conftest import make_registrations


@pytest.fixture
def file(demo):
    [registration] = make_registrations("GEII-1", 1, "submitted", demo.current_year)
    return registration


def since(registration):
    return Registration.objects.get(pk=registration.pk).documents_waiting_since


def test_the_oldest_document_waiting_is_kept_and_cleared_when_none_waits(file):
    now = timezone.now()
    identity = Submission.objects.create(
        registration=file, document_type=DocumentType.objects.get(code="identity"), status="missing"
    )
    assert since(file) is None  # a missing document does not wait for review
    identity.status, identity.submitted_at = "submitted", now - datetime.timedelta(hours=2)
    identity.save()
    assert since(file) == identity.submitted_at
    photo = Submission.objects.create(
        registration=file,
        document_type=DocumentType.objects.get(code="photo"),
        status="submitted",
        submitted_at=now - datetime.timedelta(hours=1),
    )
    assert since(file) == identity.submitted_at  # the oldest of the two
    identity.status = "validated"
    identity.save()
    assert since(file) == photo.submitted_at
    photo.status = "refused"
    photo.save()
    assert since(file) is None


def test_rebuild_sets_every_registration_again_after_a_bulk_change(file, demo):
    [other] = make_registrations("INFO-1", 1, "submitted", demo.current_year)
    at = timezone.now() - datetime.timedelta(days=1)
    Submission.objects.bulk_create(  # no save, no signal: as a bulk load does
        [
            Submission(
                registration=file,
                document_type=DocumentType.objects.get(code="identity"),
                status="submitted",
                submitted_at=at,
            )
        ]
    )
    Registration.objects.filter(pk=other.pk).update(documents_waiting_since=at)  # left behind
    assert since(file) is None
    assert waiting.rebuild() == 2
    assert since(file) == at
    assert since(other) is None
