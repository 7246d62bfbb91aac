"""Payment rows: which statuses are final, and what the database itself refuses."""

import pytest
from django.db import IntegrityError, transaction

from matricule.payments.models import Payment


def attempt(registration, reference, **fields):
    values = {
        "registration": registration,
        "reference": reference,
        "gateway": "simulator",
        "amount_cents": 17800,
        "fee_key": f"registration-{registration.pk}",
        **fields,
    }
    with transaction.atomic():
        return Payment.objects.create(**values)


@pytest.mark.parametrize(
    ("status", "final"),
    [
        ("scheduled", False),
        ("created", False),
        ("pending", False),
        ("failed", False),
        ("cancelled", False),
        ("confirmed", True),
        ("to_review", True),
        ("partly_refunded", True),
        ("refunded", True),
    ],
)
def test_money_taken_is_final(status, final):
    assert Payment(status=status).is_final is final


def test_a_new_attempt_is_created_in_euros_with_nothing_paid_or_refunded(awaiting):
    payment = attempt(awaiting, "MATNEW")
    assert (payment.status, payment.currency, payment.paid_cents, payment.refunded_cents) == (
        "created",
        "EUR",
        None,
        0,
    )
    assert str(payment) == "MATNEW" and payment.created_at is not None


def test_a_fee_is_confirmed_once_whatever_the_number_of_attempts(awaiting):
    attempt(awaiting, "MATFIRST", status="confirmed", paid_cents=17800)
    attempt(awaiting, "MATFAILED", status="failed")  # other attempts at the same fee: allowed
    with pytest.raises(IntegrityError):
        attempt(awaiting, "MATSECOND", status="confirmed", paid_cents=17800)


def test_the_database_refuses_an_unknown_status_and_a_refund_above_what_was_paid(awaiting):
    with pytest.raises(IntegrityError):
        attempt(awaiting, "MATLOST", status="lost")
    with pytest.raises(IntegrityError):
        attempt(awaiting, "MATNOTPAID", status="pending", refunded_cents=100)
    with pytest.raises(IntegrityError):
        attempt(awaiting, "MATTOOMUCH", status="partly_refunded", paid_cents=100, refunded_cents=200)
    refunded = attempt(awaiting, "MATREFUNDED", status="refunded", paid_cents=17800, refunded_cents=17800)
    assert refunded.refunded_cents == refunded.paid_cents
