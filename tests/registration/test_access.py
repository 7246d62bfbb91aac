"""What a signed-in student may reach (matricule.registration.access): their own admission,
student record and registrations; anything else is a 404."""

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from matricule.accounts.admission_login import user_for_candidate
from matricule.documents.models import Submission
from matricule.registration import access, reregistration
from matricule.registration.models import Registration, State
from tests.registration.conftest import continuing, start


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_student_reaches_their_own_admission_record_and_registration(chloe_client, chloe):
    registration = start(chloe_client)
    request = request_of(user_for_candidate(chloe))

    assert access.get_candidate_for(request) == chloe
    assert access.get_student_for(request) == registration.student
    found = access.get_registration_for(request, registration.pk)
    assert found == registration
    assert found.stage.code == chloe.stage.code  # reference data attached


def test_someone_with_no_admission_and_no_student_record_gets_a_404(demo, administrator):
    request = request_of(administrator)

    with pytest.raises(Http404):
        access.get_candidate_for(request)
    with pytest.raises(Http404):
        access.get_student_for(request)


def test_an_object_of_another_students_registration_is_a_404(demo):
    emma, sarah = continuing("emma"), continuing("sarah")
    own = Registration.objects.get(student=emma)
    submission = Submission.objects.filter(registration=own).first()

    assert access.get_owned(Submission.objects.all(), own, submission.pk) == submission
    with pytest.raises(Http404):
        access.get_owned(Submission.objects.all(), Registration.objects.get(student=sarah), submission.pk)
    with pytest.raises(Http404):
        access.get_registration_for(request_of(sarah.user), own.pk)


@pytest.mark.usefixtures("immediate_tasks")
def test_another_students_registration_is_not_found(chloe_client, chloe, intruder, answers):
    registration = start(chloe_client)
    for url in (
        f"/inscription/{registration.pk}/",
        f"/inscription/{registration.pk}/etape/ine/",
        f"/inscription/{registration.pk}/verification/",
        f"/inscription/{registration.pk}/recapitulatif.pdf",
    ):
        assert intruder.get(url).status_code == 404
    response = intruder.post(
        f"/inscription/{registration.pk}/etape/ine/",
        {"has_ine": "no", "no_ine_reason": "other", "action": "next"},
    )
    assert response.status_code == 404
    assert intruder.post(f"/inscription/{registration.pk}/verification/").status_code == 404
    registration.refresh_from_db()
    assert "ine" not in registration.valid_steps and registration.state == State.DRAFT


def test_another_students_confirm_page_is_not_found(client, demo):
    emma, sarah = continuing("emma"), continuing("sarah")
    registration = reregistration.start_reregistration(emma, user=emma.user)
    client.force_login(sarah.user)
    assert client.get(reverse("registration:confirm", args=[registration.pk])).status_code == 404
