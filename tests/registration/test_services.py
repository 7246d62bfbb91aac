import threading

import pytest
from django.db import connection, connections

from matricule.registration import services
from matricule.registration.models import Student, StudentNumberSequence
from matricule.registration.services import assign_student_number


def make_students(django_user_model, count):
    return [
        Student.objects.create(user=django_user_model.objects.create(username=f"s{n}")) for n in range(count)
    ]


def test_numbers_follow_the_configured_format(demo, django_user_model, settings):
    settings.MATRICULE_STUDENT_NUMBER_PREFIX = "E{yyyy}"
    settings.MATRICULE_STUDENT_NUMBER_DIGITS = 5
    first, second = make_students(django_user_model, 2)
    year = demo.current_year
    assert assign_student_number(first, year) == f"E{year.first_year}00001"
    assert assign_student_number(second, year) == f"E{year.first_year}00002"
    assert assign_student_number(first, year) == f"E{year.first_year}00001"  # kept for life


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_registrations_get_fifty_distinct_numbers(django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is checked on PostgreSQL (SQLite serialises every write)")
    from matricule.demo.seed import seed

    year = seed().current_year
    students = make_students(django_user_model, 50)
    barrier = threading.Barrier(50)
    numbers, errors = [], []

    def register(student):
        try:
            barrier.wait()
            numbers.append(assign_student_number(student, year))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(s,)) for s in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(numbers)) == 50
    assert StudentNumberSequence.objects.get().last_value == 50
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 51))


def test_the_registrar_corrects_a_civil_identity_audited_and_told(
    demo, demo_candidates, iut_agent, django_capture_on_commit_callbacks
):
    import datetime

    from matricule.audit.models import Event
    from matricule.notifications.models import Email
    from tests.payments.conftest import submitted_registration

    registration = submitted_registration(demo_candidates["accepted"], demo.current_year)
    student = registration.student
    with django_capture_on_commit_callbacks(execute=True):
        changed = services.correct_identity(
            student,
            actor=iut_agent,
            changes={
                "last_name": "LEFÈVRE-MARTIN",
                "first_names": student.first_names,
                "birth_date": datetime.date(2006, 1, 2),
            },
            reason="Acte de naissance vu au guichet",
            to="chloe@example.org",
        )
    assert changed == ["last_name", "birth_date"]
    student.refresh_from_db()
    assert student.last_name == "LEFÈVRE-MARTIN" and student.birth_date == datetime.date(2006, 1, 2)
    event = Event.objects.get(action="registration.identity_corrected")
    assert event.actor == iut_agent and event.data["after"]["last_name"] == "LEFÈVRE-MARTIN"
    assert (
        event.data["before"]["last_name"] != "LEFÈVRE-MARTIN"
        and event.data["reason"] == "Acte de naissance vu au guichet"
    )
    email = Email.objects.get(kind="identity_corrected")
    assert email.to == "chloe@example.org"
    assert (
        "LEFÈVRE-MARTIN" in email.body
        and "02/01/2006" in email.body
        and "Acte de naissance vu au guichet" in email.body
    )
    # The same values again: nothing written, nobody told twice.
    assert (
        services.correct_identity(
            student, actor=iut_agent, changes={"last_name": "LEFÈVRE-MARTIN"}, reason="x", to="y@example.org"
        )
        == []
    )
    assert Email.objects.filter(kind="identity_corrected").count() == 1
