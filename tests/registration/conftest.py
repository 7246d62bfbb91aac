import pytest

from matricule.accounts.admission_login import user_for_candidate
from matricule.demo.continuing import cvec_number_for, student_number
from matricule.demo.seed import cvec_number
from matricule.institution.models import AcademicYear
from matricule.registration import reregistration
from matricule.registration.models import Registration, Student
from matricule.registration.steps import STEPS
from tests.registration.answers import ANSWERS


@pytest.fixture
def answers(demo):
    def for_candidate(candidate, **overrides):
        data = {key: dict(value) for key, value in ANSWERS.items()}
        data["cvec"]["attestation"] = cvec_number(demo.current_year, candidate)
        for key, value in overrides.items():
            data[key].update(value)
        return data

    return for_candidate


@pytest.fixture
def chloe(demo_candidates):
    return demo_candidates["accepted"]


@pytest.fixture
def chloe_client(client, chloe):
    client.force_login(user_for_candidate(chloe))
    return client


# --- Online registration through the web, as a student uses it ---------------------------------


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


# --- Continuing students of the demo (matricule.demo.continuing) -------------------------------


def continuing(key: str) -> Student:
    from matricule.demo.continuing import CONTINUING

    suffix = next(spec[1] for spec in CONTINUING if spec[0] == key)
    previous = AcademicYear.objects.exclude(is_current=True).order_by("-starts_on").first()
    return Student.objects.select_related("user").get(student_number=student_number(previous, suffix))


def _complete(registration, student, key):
    from matricule.registration.services import save_step

    reregistration.confirm_unchanged(registration, actor=student.user)
    save_step(
        registration,
        "cvec",
        {"attestation": cvec_number_for(registration.academic_year, key)},
        actor=student.user,
    )
    save_step(
        registration,
        "programme",
        {"confirm_stage": "on", "photo_on_card": "yes", "accept_rules": "on", "accept_privacy": "on"},
        actor=student.user,
    )
    registration.refresh_from_db()
    return registration
