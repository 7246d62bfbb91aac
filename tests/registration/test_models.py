"""The registration's models (matricule.registration.models): the student, their identity taken
from the admission, and one active registration per student, year and stage."""

import pytest

from matricule.registration.models import Registration, State, Student


def test_the_identity_is_taken_from_the_admission_where_ours_is_empty(demo_candidates, django_user_model):
    chloe = demo_candidates["accepted"]
    student = Student(user=django_user_model.objects.create(username="chloe"), first_names="Chloé Anne")

    changed = student.take_identity_from(chloe)

    assert changed == ["last_name", "sex", "birth_date"]
    assert (student.last_name, student.first_names, student.birth_date) == (
        chloe.last_name,
        "Chloé Anne",  # ours is kept
        chloe.birth_date,
    )
    assert student.take_identity_from(chloe) == []  # nothing left to take


def test_full_name_falls_back_on_the_account(django_user_model):
    user = django_user_model(username="x", first_name="Anna", last_name="Kowalska")

    assert Student(user=user, last_name="KOWALSKA", first_names="Anna").full_name == "KOWALSKA Anna"
    assert Student(user=user).full_name == "Anna Kowalska"


@pytest.mark.parametrize(("state", "editable"), [(s.value, s == State.DRAFT) for s in State])
def test_only_a_draft_is_editable(state, editable):
    assert Registration(state=state).is_editable is editable


def test_step_data_is_a_copy_and_empty_for_a_step_not_reached():
    registration = Registration(data={"ine": {"has_ine": "no"}, "cvec": None})

    data = registration.step_data("ine")
    data["has_ine"] = "yes"

    assert registration.data["ine"] == {"has_ine": "no"}
    assert registration.step_data("cvec") == {} and registration.step_data("social") == {}


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
