# ruff: noqa: F811 - fixtures imported from tests/backoffice/conftest.py are used as arguments
"""Registered at the desk (backoffice), the student gets the email activating their account
(accounts, sent through notifications), at the address given at the desk."""

import pytest
from django.core import mail

from matricule.accounts.activation import can_activate
from matricule.backoffice import desk_services
from matricule.notifications.models import Email
from matricule.registration.desk import Reason
from tests.backoffice.conftest import geii1, zofia_cvec  # noqa: F401
from tests.registration.test_desk import submitted_new_person

pytestmark = pytest.mark.usefixtures("immediate_tasks")


def test_registered_at_the_desk_the_student_gets_the_activation_email(
    iut_agent, geii1, zofia_cvec, django_capture_on_commit_callbacks
):
    registration = submitted_new_person(
        iut_agent, geii1, zofia_cvec, reason=Reason.CONTINUING_EDUCATION, email="zofia.k@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        desk_services.record_desk_payment(
            registration,
            agent=iut_agent,
            method=desk_services.Method.CARD,
            amount_cents=registration.fee_total_cents,
            reference="TPE 4521",
        )

    activation = [m for m in mail.outbox if "/compte/activer/" in m.body]
    assert len(activation) == 1
    assert activation[0].to == ["zofia.k@example.org"]  # the address of the registration
    assert Email.objects.filter(kind="account_activate", to="zofia.k@example.org").count() == 1
    assert can_activate(registration.student.user)
