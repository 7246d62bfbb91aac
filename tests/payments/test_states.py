"""The payment state machine: its table, and the named transitions acting once."""

import pytest

from matricule.audit.models import Event
from matricule.payments import services, states
from matricule.payments.gateways.base import Outcome, VerifiedOutcome
from matricule.payments.models import Payment


def outcome(payment, result, amount=None):
    return VerifiedOutcome(
        reference=payment.reference,
        outcome=result,
        amount_cents=payment.amount_cents if amount is None else amount,
        currency="EUR",
        transaction_id="t1",
    )


def deliver(payment, result, amount=None):
    services.apply_outcome(payment.gateway, outcome(payment, result, amount), channel="server")
    return payment.notifications.order_by("-pk").first().result


def test_the_table_knows_every_status_and_only_them():
    assert set(states.TRANSITIONS) == set(Payment.Status.values)
    assert set().union(*states.TRANSITIONS.values()) <= set(Payment.Status.values)
    assert states.OPEN.issubset(Payment.Status.values)


def test_the_table_refuses_going_back():
    with pytest.raises(states.TransitionError):
        states.check(Payment.Status.CONFIRMED, Payment.Status.FAILED)
    assert not states.can_go(Payment.Status.REFUNDED, Payment.Status.PARTLY_REFUNDED)


def test_a_confirmation_acts_once(awaiting):
    payment, _ = services.start_payment(awaiting)
    assert deliver(payment, Outcome.CONFIRMED) == "confirmed"
    again = services.confirm(payment, outcome(payment, Outcome.CONFIRMED))
    assert again.status == Payment.Status.CONFIRMED
    assert deliver(payment, Outcome.CONFIRMED) == "already confirmed"
    assert deliver(payment, Outcome.FAILED) == "ignored: confirmed"
    assert Event.objects.filter(action="payments.confirmed", object_id=str(payment.pk)).count() == 1


def test_an_attempt_told_failed_twice_is_failed_once(awaiting):
    payment, _ = services.start_payment(awaiting)
    assert deliver(payment, Outcome.FAILED) == "failed"
    assert deliver(payment, Outcome.FAILED) == "already failed"
    assert deliver(payment, Outcome.CANCELLED) == "cancelled"  # the latest word counts
    assert deliver(payment, Outcome.PENDING) == "still pending"
    assert deliver(payment, Outcome.CONFIRMED) == "confirmed"  # a late confirmation still counts
    assert Event.objects.filter(action="payments.failed", object_id=str(payment.pk)).count() == 1


def test_a_later_instalment_that_fails_is_scheduled_again_once(awaiting):
    awaiting.academic_year.instalments = 3
    awaiting.academic_year.save()
    first, _ = services.start_payment(awaiting, instalments=True)
    deliver(first, Outcome.CONFIRMED)
    scheduled = awaiting.payments.get(status=Payment.Status.SCHEDULED, instalment=2)
    with pytest.raises(services.PaymentError):
        services.start_instalment(first)
    second, _ = services.start_instalment(scheduled)
    assert second.status == Payment.Status.PENDING
    # The bank's notification and the browser's return both say so; then a cancellation.
    for result in (Outcome.FAILED, Outcome.FAILED, Outcome.CANCELLED):
        deliver(second, result)
    assert awaiting.payments.filter(status=Payment.Status.SCHEDULED, instalment=2).count() == 1


def test_an_outcome_about_a_scheduled_instalment_changes_nothing(awaiting):
    awaiting.academic_year.instalments = 2
    awaiting.academic_year.save()
    services.start_payment(awaiting, instalments=True)
    scheduled = awaiting.payments.get(status=Payment.Status.SCHEDULED)
    assert deliver(scheduled, Outcome.CONFIRMED) == "ignored: scheduled"
    scheduled.refresh_from_db()
    assert scheduled.status == Payment.Status.SCHEDULED


def test_a_mismatch_is_held_for_review_once(awaiting):
    payment, _ = services.start_payment(awaiting)
    assert deliver(payment, Outcome.CONFIRMED, amount=100) == "to review: underpaid"
    held = services.hold_for_review(payment, outcome(payment, Outcome.CONFIRMED, 100), "underpaid")
    assert held.status == Payment.Status.TO_REVIEW and held.paid_cents == 100
    assert Event.objects.filter(action="payments.anomaly", object_id=str(payment.pk)).count() == 1
    with pytest.raises(states.TransitionError):
        services.fail(payment)


def test_refunds_follow_the_table(awaiting, iut_agent):
    payment = services.record_manual_payment(awaiting, amount_cents=17800, actor=iut_agent)
    with pytest.raises(services.PaymentError):
        services.record_refund(payment, amount_cents=0, actor=iut_agent, through_gateway=False)
    partly = services.record_refund(payment, amount_cents=800, actor=iut_agent, through_gateway=False)
    assert partly.status == Payment.Status.PARTLY_REFUNDED
    again = services.record_refund(payment, amount_cents=1000, actor=iut_agent, through_gateway=False)
    assert again.status == Payment.Status.PARTLY_REFUNDED and again.refunded_cents == 1800
    done = services.record_refund(payment, amount_cents=16000, actor=iut_agent, through_gateway=False)
    assert done.status == Payment.Status.REFUNDED
    with pytest.raises(services.PaymentError, match="nothing was paid"):
        services.record_refund(payment, amount_cents=1, actor=iut_agent, through_gateway=False)
