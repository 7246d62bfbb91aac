"""Instalments followed up (payments/instalments.py): the student emailed before each instalment
falls due and when it is overdue, each notice once, and the overdue ones listed for staff."""

import datetime

import pytest
from django.utils import timezone

from matricule.audit.models import Event
from matricule.notifications.models import Email
from matricule.payments import instalments, services
from matricule.payments.gateways.base import Outcome
from matricule.payments.models import Payment
from matricule.registration.services import cancel_registration

from .conftest import awaiting  # noqa: F401
from .test_services import deliver

DAY = datetime.timedelta(days=1)


@pytest.fixture
def three(awaiting):  # noqa: F811
    """Chloé pays in three instalments: the first paid today, two scheduled a month apart."""
    awaiting.academic_year.instalments = 3
    awaiting.academic_year.save()
    first, _ = services.start_payment(awaiting, instalments=True)
    deliver(first, Outcome.CONFIRMED)
    return awaiting


def second_of(registration):
    return registration.payments.get(status=Payment.Status.SCHEDULED, instalment=2)


def emails(kind):
    return Email.objects.filter(kind=kind)


def test_the_student_is_told_some_days_before_once(three, settings):
    settings.MATRICULE_INSTALMENT_REMINDER_DAYS = 3
    due = second_of(three).due_on
    assert instalments.follow_up(due - 4 * DAY) == {"soon": 0, "overdue": 0}
    assert instalments.follow_up(due - 3 * DAY)["soon"] == 1
    instalments.follow_up(due - 3 * DAY)  # the job run again that day: the same email
    assert emails("instalment_soon").count() == 1
    body = emails("instalment_soon").get().body  # sent once the transaction commits
    assert "Échéance 2 sur 3" in body and "Instalment 2 of 3" in body
    assert f"/inscription/{three.pk}/" in body  # where it is paid


def test_an_unpaid_instalment_is_overdue_the_day_after_and_a_week_after_and_recorded_once(three):
    second = second_of(three)
    due = second.due_on
    assert instalments.follow_up(due)["overdue"] == 0  # due today: not late yet
    assert instalments.follow_up(due + DAY)["overdue"] == 1
    instalments.follow_up(due + DAY)
    assert instalments.follow_up(due + 2 * DAY)["overdue"] == 0
    assert instalments.follow_up(due + 7 * DAY)["overdue"] == 1
    assert emails("instalment_overdue").count() == 2
    events = Event.objects.filter(action="payments.instalment_overdue")
    assert events.count() == 1 and events.get().data["instalment"] == 2
    assert list(instalments.overdue(due + DAY)) == [second]
    assert list(instalments.overdue(due)) == []


def test_a_refused_card_leaves_the_instalment_to_pay_and_it_is_followed_up(three):
    second = second_of(three)
    attempt, _ = services.start_instalment(second)
    deliver(attempt, Outcome.FAILED)
    again = second_of(three)
    assert again.pk != attempt.pk and again.due_on == attempt.due_on
    assert list(instalments.overdue(attempt.due_on + DAY)) == [again]
    assert instalments.follow_up(attempt.due_on + DAY)["overdue"] == 1


def test_paid_or_cancelled_ones_are_left_alone(three, iut_agent):
    second = second_of(three)
    attempt, _ = services.start_instalment(second)
    deliver(attempt, Outcome.CONFIRMED)
    due = attempt.due_on
    assert instalments.follow_up(due + DAY)["overdue"] == 0
    third = three.payments.get(status=Payment.Status.SCHEDULED, instalment=3)
    cancel_registration(three, actor=iut_agent, reason="leaves")
    assert list(instalments.overdue(third.due_on + DAY)) == []
    assert instalments.follow_up(third.due_on + DAY)["overdue"] == 0


def test_the_daily_job_is_registered():
    from matricule.scheduling import registry

    assert registry.JOBS["payments.instalments"].every == datetime.timedelta(days=1)
    assert timezone.localdate()  # the job's default day
