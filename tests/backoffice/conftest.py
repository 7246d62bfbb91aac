"""Fixtures of the back-office tests (`staff_client` comes from tests/conftest.py)."""

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from matricule.accounts.models import ComponentMembership
from matricule.institution.models import Component, Stage
from matricule.registration.models import Registration, Student

_numbers = itertools.count(1)


def make_registrations(
    stage_code: str,
    count: int,
    state: str,
    year,
    *,
    created_at=None,
    submitted_at=None,
    last_name="Étudiant",
    first_names="Test",
    batch_size=2000,
):
    """`count` students, each with one registration in the stage (bulk, no services)."""
    stage = Stage.objects.get(code=stage_code)
    serial = next(_numbers)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bo-{serial}-{n}") for n in range(count)], batch_size=batch_size
    )
    students = Student.objects.bulk_create(
        [Student(user=user, last_name=last_name, first_names=first_names) for user in users],
        batch_size=batch_size,
    )
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                student=student, academic_year=year, stage=stage, state=state, submitted_at=submitted_at
            )
            for student in students
        ],
        batch_size=batch_size,
    )
    if created_at is not None:  # auto_now_add: set afterwards
        Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(created_at=created_at)
    return registrations


@pytest.fixture
def auditor(demo, django_user_model):
    """A read-only auditor of the IUT de Chartres."""
    user = django_user_model.objects.create_user(
        username="auditor.chartres", first_name="Alice", last_name="Auditrice"
    )
    ComponentMembership.objects.create(
        user=user, component=Component.objects.get(code="iut-chartres"), role=ComponentMembership.Role.AUDITOR
    )
    return user


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def days_ago(now):
    def make(days, hours=0):
        return now - datetime.timedelta(days=days, hours=hours)

    return make
