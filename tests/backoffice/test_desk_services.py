"""Desk registration, the fees: a payment taken at the desk or an exemption (backoffice.desk_services)."""

import pytest

from matricule.audit.models import Event
from matricule.backoffice import desk_services
from matricule.payments.models import Payment
from matricule.registration.desk import OutOfScope, Reason
from matricule.registration.models import State
from tests.registration.test_desk import (
    allow_exemption,
    fill_steps,
    open_new_person,
    submitted_new_person,
)

pytestmark = pytest.mark.usefixtures("immediate_tasks")

# A trainee pays the fee (their employer, often); an exchange student owes none here.
TRAINEE = Reason.CONTINUING_EDUCATION


@pytest.fixture
def exemption_allowed(monkeypatch):
    allow_exemption(monkeypatch)


def test_submitted_then_paid_at_the_desk_is_registered_with_a_student_number(iut_agent, geii1, zofia_cvec):
    registration = submitted_new_person(iut_agent, geii1, zofia_cvec, reason=TRAINEE)
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
    registration = submitted_new_person(iut_agent, geii1, zofia_cvec, reason=TRAINEE)
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
    registration = fill_steps(open_new_person(iut_agent, geii1, reason=TRAINEE), iut_agent, cvec=zofia_cvec)
    with pytest.raises(desk_services.NotAwaitingPayment):
        desk_services.record_desk_payment(
            registration, agent=iut_agent, method=desk_services.Method.CASH, amount_cents=17000
        )


def test_exemption_registers_with_the_reason_audited(iut_agent, geii1, zofia_cvec, exemption_allowed):
    registration = submitted_new_person(iut_agent, geii1, zofia_cvec, reason=TRAINEE)
    total = registration.fee_total_cents

    with pytest.raises(ValueError):
        desk_services.exempt_from_fees(registration, agent=iut_agent, reason="  ")
    registration = desk_services.exempt_from_fees(
        registration, agent=iut_agent, reason="Décision du président 2025-14"
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
    assert event.data == {"reason": "Décision du président 2025-14", "waived_cents": total}


def test_exemption_is_refused_out_of_scope(other_agent, iut_agent, geii1, zofia_cvec, exemption_allowed):
    registration = submitted_new_person(iut_agent, geii1, zofia_cvec, reason=TRAINEE)
    with pytest.raises(OutOfScope):
        desk_services.exempt_from_fees(registration, agent=other_agent, reason="Erasmus")
    registration.refresh_from_db()
    assert registration.state == State.AWAITING_PAYMENT


def test_an_exemption_is_refused_when_nothing_is_awaited(iut_agent, geii1, zofia_cvec):
    registration = fill_steps(open_new_person(iut_agent, geii1, reason=TRAINEE), iut_agent, cvec=zofia_cvec)
    with pytest.raises(desk_services.NotAwaitingPayment):
        desk_services.exempt_from_fees(registration, agent=iut_agent, reason="Erasmus")
    registration.refresh_from_db()
    assert registration.state == State.DRAFT
    assert not Event.objects.filter(action="registration.desk_exempted").exists()
