import pytest

from matricule.registration import states
from matricule.registration.models import State

ALLOWED = {
    ("draft", "submitted"),
    ("draft", "cancelled"),
    ("submitted", "awaiting_payment"),
    ("submitted", "exempt"),
    ("submitted", "cancelled"),
    ("awaiting_payment", "paid"),
    ("awaiting_payment", "exempt"),
    ("awaiting_payment", "cancelled"),
    ("paid", "registered"),
    ("paid", "cancelled"),
    ("exempt", "registered"),
    ("exempt", "cancelled"),
    ("registered", "cancelled"),
}


@pytest.mark.parametrize("current", [s.value for s in State])
@pytest.mark.parametrize("wanted", [s.value for s in State])
def test_transition_table(current, wanted):
    if (current, wanted) in ALLOWED:
        states.check(current, wanted)
    else:
        with pytest.raises(states.TransitionError):
            states.check(current, wanted)


def test_one_active_registration_per_student_year_and_stage(chloe_client, chloe):
    from django.db import IntegrityError, transaction

    from matricule.registration.models import Registration

    chloe_client.post("/inscription/commencer/")
    chloe_client.post("/inscription/commencer/")  # a second click resumes, never duplicates
    registration = Registration.objects.get(academic_year__is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            student=registration.student, stage=registration.stage, academic_year=registration.academic_year
        )
    registration.state = State.CANCELLED
    registration.save()
    Registration.objects.create(
        student=registration.student, stage=registration.stage, academic_year=registration.academic_year
    )
