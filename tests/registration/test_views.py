"""The registration form through the web, as a student (and as an attacker) uses it."""

import pytest
from django.core import mail

from matricule.accounts.admission_login import user_for_candidate
from matricule.registration.models import Registration, State
from matricule.registration.steps import STEPS


@pytest.fixture(autouse=True)
def immediate(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def start(client) -> Registration:
    response = client.post("/inscription/commencer/")
    assert response.status_code == 302
    return Registration.objects.get(academic_year__is_current=True)


def fill(client, registration, answers, keys=None):
    for step in STEPS:
        if keys is not None and step.key not in keys:
            continue
        response = client.post(
            f"/inscription/{registration.pk}/etape/{step.key}/", {**answers[step.key], "action": "next"}
        )
        assert response.status_code == 302, (step.key, response.content.decode()[:3000])


def test_start_prefills_from_the_admission(chloe_client, chloe):
    registration = start(chloe_client)
    assert registration.state == State.DRAFT and registration.stage == chloe.stage
    page = chloe_client.get(f"/inscription/{registration.pk}/etape/contacts/").content.decode()
    assert chloe.email in page
    identity = chloe_client.get(f"/inscription/{registration.pk}/etape/identity/").content.decode()
    assert "LEFÈVRE" in identity and "contactez le service de scolarité" in identity.lower()


def test_complete_registration_with_zero_fee_gets_a_number_and_summary(
    chloe_client, chloe, answers, django_capture_on_commit_callbacks
):
    registration = start(chloe_client)
    fill(chloe_client, registration, answers(chloe))
    with django_capture_on_commit_callbacks(execute=True):
        response = chloe_client.post(f"/inscription/{registration.pk}/verification/")
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == State.REGISTERED
    assert registration.fee_total_cents == 0
    number = registration.student.student_number
    assert number == f"{registration.academic_year.first_year % 100:02d}000001"
    status = chloe_client.get(f"/inscription/{registration.pk}/").content.decode()
    assert number in status and "attribution de bourse" in status
    pdf = chloe_client.get(f"/inscription/{registration.pk}/recapitulatif.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    from matricule.certificates.models import IssuedDocument

    summary = IssuedDocument.objects.get(kind="summary")  # recorded, with a serial to verify
    assert chloe_client.get(f"/verifier/{summary.serial}/").status_code == 200
    confirmation = next(m for m in mail.outbox if "confirm" in m.subject.lower())
    assert number in confirmation.body
    assert confirmation.attachments[0][2] == "application/pdf"


def test_a_paying_student_waits_for_payment(chloe_client, chloe, answers):
    registration = start(chloe_client)
    fill(chloe_client, registration, answers(chloe, social={"grant": "none"}))
    chloe_client.post(f"/inscription/{registration.pk}/verification/")
    registration.refresh_from_db()
    assert registration.state == State.AWAITING_PAYMENT
    assert registration.fee_total_cents == 17800
    assert registration.student.student_number is None


def test_invalid_values_are_kept_as_typed_with_the_error(chloe_client, chloe, answers):
    registration = start(chloe_client)
    response = chloe_client.post(
        f"/inscription/{registration.pk}/etape/ine/",
        {"has_ine": "yes", "ine": "0494004062A", "action": "next"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="0494004062A"' in page
    assert 'class="error-summary"' in page and 'href="#id_ine"' in page
    # Leaving by "previous" keeps the bad value too.
    chloe_client.post(
        f"/inscription/{registration.pk}/etape/ine/",
        {"has_ine": "yes", "ine": "0494004062A", "action": "previous"},
    )
    registration.refresh_from_db()
    assert registration.data["ine"]["ine"] == "0494004062A"
    assert "ine" not in registration.valid_steps
    again = chloe_client.get(f"/inscription/{registration.pk}/etape/ine/").content.decode()
    assert 'value="0494004062A"' in again


def test_autosave_saves_a_field_as_it_changes(chloe_client, chloe):
    registration = start(chloe_client)
    response = chloe_client.post(
        f"/inscription/{registration.pk}/etape/previous/enregistrer/",
        {"last_establishment": "Lycée Fulbert"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Enregistré" in response.content.decode()
    registration.refresh_from_db()
    assert registration.data["previous"]["last_establishment"] == "Lycée Fulbert"


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


def test_another_students_registration_is_not_found(chloe_client, chloe, demo_candidates, answers):
    registration = start(chloe_client)
    intruder = chloe_client.__class__()
    intruder.force_login(user_for_candidate(demo_candidates["complementary"]))
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


def test_submitting_with_missing_steps_is_refused_and_changes_nothing(chloe_client, chloe, answers):
    registration = start(chloe_client)
    fill(chloe_client, registration, answers(chloe), keys={"identity", "ine"})
    response = chloe_client.post(f"/inscription/{registration.pk}/verification/", follow=True)
    assert "ne sont pas encore complètes" in response.content.decode()
    registration.refresh_from_db()
    assert registration.state == State.DRAFT and registration.fee_total_cents is None


def test_resubmitting_changes_nothing(chloe_client, chloe, answers):
    registration = start(chloe_client)
    fill(chloe_client, registration, answers(chloe))
    chloe_client.post(f"/inscription/{registration.pk}/verification/")
    registration.refresh_from_db()
    first = (registration.state, registration.student.student_number, registration.submitted_at)
    chloe_client.post(f"/inscription/{registration.pk}/verification/")
    response = chloe_client.post(
        f"/inscription/{registration.pk}/etape/ine/",
        {"has_ine": "no", "no_ine_reason": "other", "action": "next"},
    )
    assert response.status_code == 302  # sent to the status page, nothing saved
    registration.refresh_from_db()
    assert (registration.state, registration.student.student_number, registration.submitted_at) == first
    assert registration.cleaned["ine"]["has_ine"] == "yes"


def test_cvec_attestation_of_someone_else_is_refused(chloe_client, chloe, demo_candidates, demo):
    from matricule.demo.seed import cvec_number

    registration = start(chloe_client)
    someone_else = cvec_number(demo.current_year, demo_candidates["complementary"])
    response = chloe_client.post(
        f"/inscription/{registration.pk}/etape/cvec/", {"attestation": someone_else, "action": "next"}
    )
    assert response.status_code == 400
    assert "quelqu'un d'autre" in response.content.decode() or "ne correspond" in response.content.decode()


def test_a_candidate_who_may_not_register_cannot_start(client, demo_candidates):
    client.force_login(user_for_candidate(demo_candidates["refused"]))
    client.post("/inscription/commencer/")
    assert not Registration.objects.filter(academic_year__is_current=True).exists()
