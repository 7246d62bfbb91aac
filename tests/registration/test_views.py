"""The student's pages of the online registration (matricule.registration.views): the home,
the steps, autosave and the review, through the web as a student uses them."""

import pytest

from matricule.accounts.admission_login import user_for_candidate
from matricule.registration.models import Registration, State
from tests.registration.conftest import fill, start

# As these tests always ran: tasks at once, emails in memory.
pytestmark = pytest.mark.usefixtures("immediate_tasks")


def home_of(client, candidate) -> str:
    client.force_login(user_for_candidate(candidate))
    response = client.get("/etudiant/")
    assert response.status_code == 200
    return response.content.decode()


def test_home_shows_the_admission_and_that_registration_is_open(client, demo_candidates):
    page = home_of(client, demo_candidates["accepted"])
    assert "LEFÈVRE" in page and "BUT1 GEII" in page and "IUT de Chartres" in page
    assert "Vous pouvez vous inscrire en ligne" in page


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("keeping_wishes", "oui définitif"),
        ("refused", "refusée ou abandonnée"),
        ("continuing_education", "formation continue"),
        ("complementary", "ouvre le"),
    ],
)
def test_every_refusal_says_why_and_who_to_contact(client, demo_candidates, key, text):
    page = home_of(client, demo_candidates[key])
    assert text in page
    if key != "continuing_education":
        assert "scolarite.iut28@univ-orleans.fr" in page


def test_home_needs_a_login_and_shows_only_ones_own_admission(client, demo_candidates, administrator):
    assert client.get("/etudiant/").status_code == 302
    client.force_login(administrator)  # no admission: nothing to show
    assert client.get("/etudiant/").status_code == 404


def test_start_prefills_from_the_admission(chloe_client, chloe):
    registration = start(chloe_client)
    assert registration.state == State.DRAFT and registration.stage == chloe.stage
    page = chloe_client.get(f"/inscription/{registration.pk}/etape/contacts/").content.decode()
    assert chloe.email in page
    identity = chloe_client.get(f"/inscription/{registration.pk}/etape/identity/").content.decode()
    assert "LEFÈVRE" in identity and "contactez le service de scolarité" in identity.lower()


def test_a_candidate_who_may_not_register_cannot_start(client, demo_candidates):
    client.force_login(user_for_candidate(demo_candidates["refused"]))
    client.post("/inscription/commencer/")
    assert not Registration.objects.filter(academic_year__is_current=True).exists()


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


def test_a_paying_student_waits_for_payment(chloe_client, chloe, answers):
    registration = start(chloe_client)
    fill(chloe_client, registration, answers(chloe, social={"grant": "none"}))
    chloe_client.post(f"/inscription/{registration.pk}/verification/")
    registration.refresh_from_db()
    assert registration.state == State.AWAITING_PAYMENT
    assert registration.fee_total_cents == 17800
    assert registration.student.student_number is None


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
