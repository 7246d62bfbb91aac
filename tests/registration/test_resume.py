"""Where a student picks up their registration (matricule.registration.resume)."""

import pytest
from django.urls import reverse

from matricule.accounts.admission_login import user_for_candidate
from matricule.registration.models import State
from matricule.registration.resume import redirect_to_step, resume_url
from tests.registration.conftest import fill, start


def test_a_draft_resumes_on_its_current_step_else_on_the_first_incomplete_one(chloe_client, chloe, answers):
    registration = start(chloe_client)
    fill(chloe_client, registration, answers(chloe), keys={"identity"})
    registration.refresh_from_db()
    assert resume_url(registration) == reverse("registration:step", args=[registration.pk, "ine"])

    registration.current_step = ""
    assert resume_url(registration) == reverse("registration:step", args=[registration.pk, "ine"])
    registration.current_step = "review"
    assert resume_url(registration) == reverse("registration:review", args=[registration.pk])
    registration.current_step = "confirm"
    assert resume_url(registration) == reverse("registration:confirm", args=[registration.pk])


@pytest.mark.parametrize("state", [State.AWAITING_PAYMENT, State.REGISTERED, State.CANCELLED])
def test_a_registration_no_longer_editable_resumes_on_its_page(chloe_client, state):
    registration = start(chloe_client)
    registration.state = state

    assert resume_url(registration) == reverse("registration:status", args=[registration.pk])


def test_redirect_to_a_step_or_to_the_review(chloe_client):
    registration = start(chloe_client)

    assert redirect_to_step(registration, "review").url == reverse(
        "registration:review", args=[registration.pk]
    )
    assert redirect_to_step(registration, "ine").url == reverse(
        "registration:step", args=[registration.pk, "ine"]
    )


@pytest.mark.usefixtures("immediate_tasks")
def test_resume_after_the_session_is_lost_lands_on_the_same_step(client, chloe, answers):
    user = user_for_candidate(chloe)
    client.force_login(user)
    registration = start(client)
    fill(client, registration, answers(chloe), keys={"identity", "ine", "baccalaureate"})
    client.post(
        f"/inscription/{registration.pk}/etape/previous/",
        {"last_establishment": "Lycée Marceau", "action": "next"},
    )  # incomplete
    client.logout()

    other_device = client.__class__()
    other_device.force_login(user)
    home = other_device.get("/etudiant/").content.decode()
    assert f"/inscription/{registration.pk}/etape/previous/" in home
    page = other_device.get(f"/inscription/{registration.pk}/etape/previous/").content.decode()
    assert 'value="Lycée Marceau"' in page
