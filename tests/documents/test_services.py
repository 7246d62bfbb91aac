"""The supporting documents service: the documents a registration requires, and the named
transitions (upload, validate, refuse) acting once."""

import pytest

from matricule.audit.models import Event
from matricule.documents import services
from matricule.documents.models import RefusalReason, Submission

from .conftest import upload_file


def test_a_document_not_uploaded_cannot_be_decided(registered, iut_agent):
    identity = registered.submissions.get(document_type__code="identity")
    with pytest.raises(services.DocumentError, match="not waiting"):
        services.validate(identity, agent=iut_agent)
    with pytest.raises(services.DocumentError, match="not waiting"):
        services.refuse(identity, agent=iut_agent, comment="Illisible")
    identity.refresh_from_db()
    assert identity.status == Submission.Status.MISSING


def test_a_refusal_needs_a_reason_and_is_made_once(registered, iut_agent):
    photo = registered.submissions.get(document_type__code="photo")
    services.upload(photo, upload_file(), actor=registered.student.user)
    with pytest.raises(services.DocumentError, match="reason required"):
        services.refuse(photo, agent=iut_agent, comment="  ")
    photo.refresh_from_db()
    assert photo.status == Submission.Status.SUBMITTED
    refused = services.refuse(photo, agent=iut_agent, reason=RefusalReason.objects.first())
    assert refused.status == Submission.Status.REFUSED
    with pytest.raises(services.DocumentError):
        services.refuse(photo, agent=iut_agent, comment="Again")
    assert Event.objects.filter(action="documents.refused", object_id=str(photo.pk)).count() == 1


def test_a_waiting_document_may_be_replaced_a_validated_one_not(registered, iut_agent):
    photo = registered.submissions.get(document_type__code="photo")
    student = registered.student.user
    services.upload(photo, upload_file(), actor=student)
    services.upload(photo, upload_file(), actor=student)  # submitted → submitted
    validated = services.decide(photo, agent=iut_agent, validate=True)
    assert validated.status == Submission.Status.VALIDATED
    with pytest.raises(services.DocumentError, match="validated"):
        services.upload(photo, upload_file(), actor=student)
    with pytest.raises(services.DocumentError, match="not waiting"):
        services.validate(photo, agent=iut_agent)
    assert photo.versions.count() == 2
    assert Event.objects.filter(action="documents.validated", object_id=str(photo.pk)).count() == 1


def codes(registration):
    return sorted(registration.submissions.values_list("document_type__code", flat=True))


def test_registering_creates_the_required_documents_from_the_rules(registered):
    assert registered.state == "registered"
    assert codes(registered) == ["bac", "cvec", "grant", "identity", "photo"]


def test_a_document_takes_a_few_versions_then_the_office_looks_first(registered, settings):
    settings.MATRICULE_UPLOAD_MAX_VERSIONS = 3
    student = registered.student.user
    photo = registered.submissions.get(document_type__code="photo")
    for _ in range(3):
        services.upload(photo, upload_file(), actor=student)
    with pytest.raises(services.UploadLimited) as limited:
        services.upload(photo, upload_file(), actor=student)
    assert (limited.value.code, limited.value.params) == ("versions", {"count": 3})
    assert photo.versions.count() == 3  # nothing stored


def test_files_sent_per_hour_are_capped_across_documents_then_allowed_again(registered, settings):
    import datetime

    import time_machine
    from django.utils import timezone

    settings.MATRICULE_UPLOADS_PER_HOUR = 2
    student = registered.student.user
    photo = registered.submissions.get(document_type__code="photo")
    identity = registered.submissions.get(document_type__code="identity")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.upload(photo, upload_file(), actor=student)
    with time_machine.travel(start + datetime.timedelta(minutes=20), tick=False):
        services.upload(identity, upload_file(), actor=student)
        with pytest.raises(services.UploadLimited) as limited:
            services.upload(identity, upload_file(), actor=student)
    assert limited.value.code == "hourly" and limited.value.params == {"minutes": 40}
    assert identity.versions.count() == 1
    with time_machine.travel(start + datetime.timedelta(minutes=61), tick=False):
        services.upload(identity, upload_file(), actor=student)  # the first one is an hour old
    assert identity.versions.count() == 2
