"""What a staff member may reach (`access.py`): an object of another component is a 404, an action
on an object they may only read a 403, a prepared export is for its requester only."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import RequestFactory

from matricule.backoffice import access
from matricule.backoffice.models import ExportJob
from matricule.documents.models import DocumentType, Submission
from matricule.requests.models import Request

from .conftest import make_registrations


@pytest.fixture
def geii(demo):
    """A submitted registration in GEII-1, at the IUT de Chartres."""
    [registration] = make_registrations("GEII-1", 1, "submitted", demo.current_year)
    return registration


def test_a_registration_of_another_component_is_a_404_for_an_agent(
    geii, iut_agent, other_agent, administrator
):
    assert access.get_registration_for_agent(iut_agent, geii.pk) == geii
    assert access.get_registration_for_agent(administrator, geii.pk) == geii
    with pytest.raises(Http404):
        access.get_registration_for_agent(other_agent, geii.pk)
    with pytest.raises(Http404):
        access.get_registration_for_agent(geii.student.user, geii.pk)  # the student: not staff
    with pytest.raises(Http404):
        access.get_registration_for_agent(iut_agent, 999_999)


def test_a_desk_registration_is_changed_only_by_those_who_may_act(geii, iut_agent, auditor, other_agent):
    def desk(user, method):
        request = getattr(RequestFactory(), method)("/gestion/guichet/")
        request.user = user
        return access.get_desk_registration(request, geii.pk)

    assert desk(iut_agent, "post") == geii
    assert desk(auditor, "get") == geii  # an auditor reads...
    with pytest.raises(Http404):
        desk(auditor, "post")  # ...and changes nothing
    with pytest.raises(Http404):
        desk(other_agent, "get")


def test_a_student_is_found_through_a_registration_in_the_staff_members_components(
    geii, iut_agent, other_agent
):
    assert access.get_student_for_staff(iut_agent, geii.student.pk) == geii.student
    with pytest.raises(Http404):
        access.get_student_for_staff(other_agent, geii.student.pk)


def test_the_documents_waiting_are_those_of_the_staff_members_components(geii, iut_agent, other_agent):
    waiting = Submission.objects.create(
        registration=geii, document_type=DocumentType.objects.get(code="identity"), status="submitted"
    )
    Submission.objects.create(
        registration=geii, document_type=DocumentType.objects.get(code="photo"), status="validated"
    )
    assert list(access.waiting_submissions(iut_agent).filter(registration=geii)) == [waiting]
    assert not access.waiting_submissions(other_agent).filter(registration=geii).exists()


def test_a_request_is_read_by_its_components_staff_and_acted_on_by_its_agents(
    geii, iut_agent, auditor, other_agent
):
    item = Request.objects.create(student=geii.student, registration=geii, kind="address_change")
    assert access.get_request_for_agent(auditor, item.pk) == item
    assert access.get_request_to_act_on(iut_agent, item.pk) == item
    with pytest.raises(PermissionDenied):
        access.get_request_to_act_on(auditor, item.pk)
    for get in (access.get_request_for_agent, access.get_request_to_act_on):
        with pytest.raises(Http404):
            get(other_agent, item.pk)
    assert not access.scoped_requests(other_agent).filter(pk=item.pk).exists()


def test_a_prepared_export_is_for_its_requester_only(iut_agent, other_agent, administrator):
    job = ExportJob.objects.create(user=iut_agent, exporter="registrations", format="csv")
    with pytest.raises(Http404):
        access.get_export_for_download(iut_agent, job.pk)  # not prepared yet
    job.status = ExportJob.Status.DONE
    job.file.save("export.csv", ContentFile(b"a;b\n"))
    assert access.get_export_for_download(iut_agent, job.pk) == job
    for someone in (other_agent, administrator):
        with pytest.raises(Http404):
            access.get_export_for_download(someone, job.pk)
