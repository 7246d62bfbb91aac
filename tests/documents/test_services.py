"""The supporting document state machine: its table, and the named transitions acting once."""

import pytest

from matricule.audit.models import Event
from matricule.documents import services, states
from matricule.documents.models import RefusalReason, Submission

from .conftest import upload_file


def test_the_table_knows_every_status_and_only_them():
    assert set(states.TRANSITIONS) == set(Submission.Status.values)
    assert set().union(*states.TRANSITIONS.values()) <= set(Submission.Status.values)
    assert not states.TRANSITIONS[Submission.Status.VALIDATED]


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
