"""Desk registration, the fees: a payment taken at the desk or an exemption (backoffice.desk_services)."""

import pytest
from django.core import mail

from matricule.accounts.activation import can_activate
from matricule.audit.models import Event
from matricule.backoffice import desk_services
from matricule.institution.models import Stage
from matricule.notifications.models import Email
from matricule.payments.models import Payment
from matricule.registration.desk import OutOfScope
from matricule.registration.models import State
from tests.registration.test_desk import (
    allow_exemption,
    fill_steps,
    open_new_person,
    seed_cvec,
    submitted_new_person,
)


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


@pytest.fixture
def zofia_cvec(demo):
    return seed_cvec(demo.current_year)


@pytest.fixture
def exemption_allowed(monkeypatch):
    allow_exemption(monkeypatch)


@pytest.fixture
def geii1(demo):
    return Stage.objects.select_related("programme__component").get(code="GEII-1")


def test_submitted_then_paid_at_the_desk_is_registered_with_a_student_number(iut_agent, geii1, zofia_cvec):
    registration = submitted_new_person(iut_agent, geii1, zofia_cvec)
    assert registration.state == State.AWAITING_PAYMENT
    assert registration.fee_total_cents > 0
    assert Event.objects.filter(action="registration.desk_submitted", actor=iut_agent).exists()

    payment = desk_services.record_desk_payment(
        registration,
        agent=iut_agent,
        method=desk_services.Method.CHEQUE,
        amount_cents=registration.fee_total_cents,
        reference="CHQ 0012345",
    )

    registration.refresh_from_db()
    assert registration.state == State.REGISTERED
    assert registration.student.student_number
    assert payment.status == Payment.Status.CONFIRMED
    assert payment.manual and payment.recorded_by == iut_agent
    assert payment.paid_cents == registration.fee_total_cents
    assert (payment.manual_method, payment.manual_reference) == ("cheque", "CHQ 0012345")
    assert payment.get_manual_method_display() == "Chèque"
    event = Event.objects.get(action="registration.desk_paid")
    assert event.data["method"] == "cheque"
    assert event.data["amount_cents"] == registration.fee_total_cents


def test_the_desk_takes_the_whole_fee(iut_agent, geii1, zofia_cvec):
    registration = submitted_new_person(iut_agent, geii1, zofia_cvec)
    with pytest.raises(desk_services.WrongAmount):
        desk_services.record_desk_payment(
            registration,
            agent=iut_agent,
            method=desk_services.Method.CASH,
            amount_cents=registration.fee_total_cents - 100,
        )
    registration.refresh_from_db()
    assert registration.state == State.AWAITING_PAYMENT
    assert not registration.payments.exists()


def test_a_payment_is_refused_when_nothing_is_awaited(iut_agent, geii1, zofia_cvec):
    registration = fill_steps(open_new_person(iut_agent, geii1), iut_agent, cvec=zofia_cvec)
    with pytest.raises(desk_services.NotAwaitingPayment):
        desk_services.record_desk_payment(
            registration, agent=iut_agent, method=desk_services.Method.CASH, amount_cents=17000
        )


def test_exemption_registers_with_the_reason_audited(iut_agent, geii1, zofia_cvec, exemption_allowed):
    registration = submitted_new_person(iut_agent, geii1, zofia_cvec)
    total = registration.fee_total_cents

    with pytest.raises(ValueError):
        desk_services.exempt_from_fees(registration, agent=iut_agent, reason="  ")
    registration = desk_services.exempt_from_fees(
        registration, agent=iut_agent, reason="Accord Erasmus+ 2025"
    )

    assert registration.state == State.REGISTERED
    assert registration.student.student_number
    assert not registration.payments.exists()
    states_seen = list(
        Event.objects.filter(
            object_id=str(registration.pk), action__in=["registration.exempt", "registration.registered"]
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert states_seen == ["registration.exempt", "registration.registered"]
    event = Event.objects.get(action="registration.desk_exempted")
    assert event.actor == iut_agent
    assert event.data == {"reason": "Accord Erasmus+ 2025", "waived_cents": total}


def test_exemption_is_refused_out_of_scope(other_agent, iut_agent, geii1, zofia_cvec, exemption_allowed):
    registration = submitted_new_person(iut_agent, geii1, zofia_cvec)
    with pytest.raises(OutOfScope):
        desk_services.exempt_from_fees(registration, agent=other_agent, reason="Erasmus")
    registration.refresh_from_db()
    assert registration.state == State.AWAITING_PAYMENT


def test_registered_at_the_desk_the_student_gets_the_activation_email(
    iut_agent, geii1, zofia_cvec, django_capture_on_commit_callbacks
):
    registration = submitted_new_person(iut_agent, geii1, zofia_cvec, email="zofia.k@example.org")
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


def test_an_exemption_is_refused_when_nothing_is_awaited(iut_agent, geii1, zofia_cvec):
    registration = fill_steps(open_new_person(iut_agent, geii1), iut_agent, cvec=zofia_cvec)
    with pytest.raises(desk_services.NotAwaitingPayment):
        desk_services.exempt_from_fees(registration, agent=iut_agent, reason="Erasmus")
    registration.refresh_from_db()
    assert registration.state == State.DRAFT
    assert not Event.objects.filter(action="registration.desk_exempted").exists()
