import threading

import pytest
from django.db import connection, connections

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
