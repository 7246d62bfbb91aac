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


def test_each_prefix_has_its_own_sequence(demo, django_user_model, settings):
    settings.MATRICULE_STUDENT_NUMBER_DIGITS = 3
    first, second, third = make_students(django_user_model, 3)
    year = demo.current_year
    settings.MATRICULE_STUDENT_NUMBER_PREFIX = "A"
    assert assign_student_number(first, year) == "A001"
    settings.MATRICULE_STUDENT_NUMBER_PREFIX = "B"
    assert assign_student_number(second, year) == "B001"
    settings.MATRICULE_STUDENT_NUMBER_PREFIX = "A"
    assert assign_student_number(third, year) == "A002"
    assert dict(StudentNumberSequence.objects.values_list("prefix", "last_value")) == {"A": 2, "B": 1}


def test_a_paid_registration_is_registered_locked_once_and_without_savepoints(demo, demo_candidates):
    """The payment's return runs this in its transaction: one locked read of the registration for
    both moves (paid, registered), then the caller's instance read again; no savepoint."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from matricule.registration.models import State
    from tests.payments.conftest import submitted_registration

    registration = submitted_registration(demo_candidates["accepted"], demo.current_year)
    assert registration.state == State.AWAITING_PAYMENT
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        returned = services.mark_paid(registration, actor=None)
    sqls = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in sqls if "SAVEPOINT" in sql.upper()]
    registration_reads = [
        sql
        for sql in sqls
        if sql.startswith("SELECT") and f'"registration_registration"."id" = {registration.pk}' in sql
    ]
    assert len(registration_reads) == 2  # the locked read, then refresh_from_db()
    assert returned is registration
    assert registration.state == State.REGISTERED and registration.registered_at is not None
    registration.student.refresh_from_db()
    assert registration.student.student_number
    fresh = type(registration).objects.get(pk=registration.pk)
    assert (fresh.state, fresh.registered_at, fresh.updated_at) == (
        registration.state,
        registration.registered_at,
        registration.updated_at,
    )
