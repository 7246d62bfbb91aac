import pytest

from matricule.accounts.admission_login import user_for_candidate
from matricule.demo.continuing import cvec_number_for, student_number
from matricule.demo.seed import cvec_number
from matricule.institution.models import AcademicYear
from matricule.registration import reregistration
from matricule.registration.models import Registration, Student
from matricule.registration.steps import STEPS

# Valid answers for every step, as a student would type them.
ANSWERS = {
    "identity": {
        "usual_name": "",
        "birth_town": "Chartres",
        "birth_country": "France",
        "nationality": "Française",
    },
    "ine": {"has_ine": "yes", "ine": "0494004062m", "no_ine_reason": ""},
    "baccalaureate": {
        "kind": "french",
        "year": "2026",
        "series": "Générale",
        "honours": "Bien",
        "school": "0280007F",
        "equivalent_name": "",
        "equivalent_country": "",
    },
    "previous": {
        "last_situation": "secondary",
        "last_establishment": "Lycée Marceau",
        "last_establishment_year": "2026",
    },
    "contacts": {
        "street": "12 rue des Écuyers",
        "postal_code": "28000",
        "city": "Chartres",
        "country": "France",
        "same_permanent_address": "yes",
        "permanent_address": "",
        "phone": "06 12 34 56 78",
        "email": "chloe.lefevre@example.org",
        "email_confirmation": "chloe.lefevre@example.org",
        "emergency_name": "Anne Lefèvre",
        "emergency_phone": "06 98 76 54 32",
    },
    "social": {"grant": "crous", "employed": "no", "athlete": "no", "accommodation": "no"},
    "cvec": {"attestation": ""},  # filled per candidate
    "programme": {
        "confirm_stage": "on",
        "photo_on_card": "yes",
        "accept_rules": "on",
        "accept_privacy": "on",
    },
}


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


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run at once, in the test; emails are kept in memory."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


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
