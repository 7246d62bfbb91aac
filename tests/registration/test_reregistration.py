"""Re-registration of continuing students (matricule.registration.reregistration): offers by
result, window, carried data, the CVEC, and additional registrations."""

import datetime

import pytest
from django.utils import timezone

from matricule.admissions.models import Result
from matricule.institution.models import AcademicYear, Population, RegistrationWindow
from matricule.registration import reregistration
from matricule.registration.models import Kind, Registration, Student
from matricule.registration.reregistration import Outcome, WindowState
from matricule.registration.services import mark_paid, submit_registration
from matricule.registration.steps import steps_for
from tests.registration.conftest import _complete, continuing


@pytest.mark.parametrize(
    ("key", "outcome", "stage"),
    [
        ("emma", Outcome.NEXT, "GEII-2"),  # ADM
        ("sarah", Outcome.NEXT, "GEII-3"),  # AJAC
        ("lucas", Outcome.REPEAT, "GEII-1"),  # AJ
        ("yanis", Outcome.REPEAT, "GEA-1"),  # DEF
        ("manon", Outcome.DESK, None),  # EXC
        ("theo", Outcome.DONE, None),  # DIP
        ("jade", Outcome.NO_RESULT, None),  # no result yet
    ],
)
def test_what_each_result_offers(demo, key, outcome, stage):
    offer = reregistration.offer_for(continuing(key))
    assert offer.outcome == outcome
    assert (offer.stage.code if offer.stage else None) == stage
    assert offer.may_register == (stage is not None)


def test_passing_the_last_stage_leaves_nothing_to_reregister(demo):
    student = continuing("theo")
    Result.objects.filter(student_number=student.student_number).update(result="ADM")
    offer = reregistration.offer_for(student)
    assert offer.outcome == Outcome.DONE and offer.stage is None


def test_a_student_not_registered_last_year_has_no_offer(demo, demo_candidates):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="newcomer")
    assert reregistration.offer_for(Student.objects.create(user=user)).outcome == Outcome.NONE


def test_outside_the_window_the_offer_says_when_it_opens(demo):
    year = AcademicYear.objects.current()
    window = RegistrationWindow.objects.get(academic_year=year, population=Population.REREGISTRATION)
    opens = timezone.now() + datetime.timedelta(days=3)
    RegistrationWindow.objects.filter(pk=window.pk).update(
        opens_at=opens, closes_at=opens + datetime.timedelta(days=30)
    )
    offer = reregistration.offer_for(continuing("emma"))
    assert offer.window_state == WindowState.NOT_OPEN_YET and not offer.may_register
    assert offer.window.opens_at == opens
    with pytest.raises(reregistration.NotOffered):
        reregistration.start_reregistration(continuing("emma"), user=continuing("emma").user)


def test_a_component_window_wins_over_the_university_wide_one(demo):
    from matricule.institution.models import Component

    year = AcademicYear.objects.current()
    closed = RegistrationWindow.objects.create(
        academic_year=year,
        population=Population.REREGISTRATION,
        opens_at=timezone.now() - datetime.timedelta(days=60),
        closes_at=timezone.now() - datetime.timedelta(days=30),
    )
    closed.components.add(Component.objects.get(code="iut-chartres"))
    assert reregistration.offer_for(continuing("emma")).window_state == WindowState.CLOSED


def test_reregistration_creates_a_new_registration_and_leaves_last_years_untouched(demo):
    student = continuing("emma")
    last_year = Registration.objects.get(student=student)
    before = (last_year.state, last_year.stage_id, last_year.data, last_year.cleaned, last_year.updated_at)
    registration = reregistration.start_reregistration(student, user=student.user)
    assert registration.pk != last_year.pk
    assert registration.academic_year == AcademicYear.objects.current()
    assert registration.kind == Kind.REREGISTRATION and registration.stage.code == "GEII-2"
    last_year.refresh_from_db()
    assert (
        last_year.state,
        last_year.stage_id,
        last_year.data,
        last_year.cleaned,
        last_year.updated_at,
    ) == before
    # Starting again gives the same registration, not a second one.
    assert reregistration.start_reregistration(student, user=student.user).pk == registration.pk


def test_only_what_changes_each_year_is_asked(demo):
    student = continuing("emma")
    registration = reregistration.start_reregistration(student, user=student.user)
    assert [s.key for s in steps_for(registration)] == ["contacts", "social", "cvec", "programme"]
    assert registration.cleaned["identity"]["birth_town"] == "Chartres"
    assert registration.cleaned["baccalaureate"]["series"] == "STI2D"
    assert registration.data["contacts"]["street"] == "12 rue du Bois Merrain"
    assert "cvec" not in registration.data and "programme" not in registration.data


def test_unchanged_blocks_are_confirmed_in_one_go(demo):
    student = continuing("emma")
    registration = reregistration.start_reregistration(student, user=student.user)
    assert reregistration.confirm_unchanged(registration, actor=student.user) == []
    registration.refresh_from_db()
    assert {"contacts", "social"} <= set(registration.valid_steps)
    assert registration.cleaned["contacts"]["city"] == "Chartres"


def test_the_cvec_is_never_asked_twice_in_a_year(demo):
    student = continuing("emma")
    registration = _complete(reregistration.start_reregistration(student, user=student.user), student, "emma")
    mark_paid(submit_registration(registration, actor=student.user), actor=student.user)
    stages = reregistration.additional_stages(student)
    assert [s.code for s in stages] == ["LINFO-1"]
    additional = reregistration.start_additional(student, stages.get(), user=student.user)
    assert additional.kind == Kind.ADDITIONAL
    assert [s.key for s in steps_for(additional)] == ["programme"]
    assert additional.cleaned["cvec"] == registration.cleaned["cvec"]


def test_a_student_with_no_main_registration_this_year_cannot_add_one(demo):
    student = continuing("emma")
    assert not reregistration.additional_stages(student).exists()
