"""The demo's continuing students (matricule.demo.continuing): registered last year with a result
of every kind, their accounts, and their CVEC attestation of this year."""

import pytest

from matricule.accounts.activation import has_activated_account
from matricule.admissions.models import Result
from matricule.cvec.checks import verify_for_student
from matricule.demo.continuing import CONTINUING, PASSWORD, cvec_number_for, seed_continuing, student_number
from matricule.documents.models import Submission
from matricule.institution.models import AcademicYear
from matricule.registration.models import Registration, State, Student


@pytest.fixture
def years(demo):
    current = demo.current_year
    return AcademicYear.objects.get(code=f"{current.first_year - 1}-{current.first_year}"), current


def test_student_numbers_start_with_the_year_they_were_given():
    assert student_number(AcademicYear(code="2025-2026"), "101") == "25000101"


def test_each_continuing_student_was_registered_last_year_with_their_result(years):
    previous, _current = years
    for _key, suffix, last, first, _sex, stage, result, activated in CONTINUING:
        student = Student.objects.select_related("user").get(student_number=student_number(previous, suffix))
        assert (student.last_name, student.first_names) == (last, first)
        registration = Registration.objects.get(student=student, academic_year=previous)
        assert (registration.stage.code, registration.state) == (stage, State.REGISTERED)
        assert set(registration.valid_steps) >= {"identity", "contacts", "social", "programme"}
        assert {s.document_type.code for s in registration.submissions.all()} == {
            "identity",
            "photo",
            "bac",
            "cvec",
        }
        assert not registration.submissions.exclude(status=Submission.Status.VALIDATED).exists()
        results = Result.objects.filter(student_number=student.student_number, year_code=previous.code)
        assert list(results.values_list("result", flat=True)) == ([result] if result else [])
        assert has_activated_account(student.user) is activated
        assert student.user.check_password(PASSWORD) is activated


def test_seeding_again_moves_no_state_and_duplicates_nothing(years):
    previous, current = years
    emma = Student.objects.get(student_number=student_number(previous, "101"))
    registration = Registration.objects.get(student=emma)
    Registration.objects.filter(pk=registration.pk).update(state=State.CANCELLED)
    Result.objects.filter(student_number=emma.student_number).update(result="AJ")
    before = (Student.objects.count(), Registration.objects.count(), Submission.objects.count())

    students = seed_continuing(previous, current)

    assert [s.student_number for s in students] == [student_number(previous, spec[1]) for spec in CONTINUING]
    assert (Student.objects.count(), Registration.objects.count(), Submission.objects.count()) == before
    assert Registration.objects.get(pk=registration.pk).state == State.CANCELLED  # only services move it
    assert Result.objects.get(student_number=emma.student_number).result == "ADM"  # the data is refreshed


def test_each_has_a_cvec_attestation_of_this_year_in_their_name(years):
    previous, current = years
    for key, suffix, *_rest in CONTINUING:
        student = Student.objects.get(student_number=student_number(previous, suffix))
        verdict = verify_for_student(
            cvec_number_for(current, key),
            last_name=student.last_name,
            first_names=student.first_names,
            birth_date=student.birth_date,
            ine="",
            academic_year_code=current.code,
        )
        assert verdict.ok, (key, verdict.message)
