"""Refunding what a registration paid (`payments/refunds.py`): newest payment first, never more
than what is left, through the gateway or by hand, and what a failure leaves."""

import pytest

from matricule.payments import refunds
from matricule.payments.models import Payment
from tests.requests.conftest import paid  # noqa: F401


def test_everything_left_is_refunded_by_hand_for_a_desk_payment(paid, iut_agent):  # noqa: F811
    payment = paid.payments.get()
    assert refunds.refundable_cents(paid) == payment.paid_cents

    done = refunds.refund_registration(paid, actor=iut_agent)

    payment.refresh_from_db()
    assert done.refunded_cents == payment.paid_cents and done.left_cents == 0
    assert done.refunds == [
        {"payment": payment.reference, "amount_cents": payment.paid_cents, "through_gateway": False}
    ]
    assert payment.status == Payment.Status.REFUNDED
    assert refunds.refundable_cents(paid) == 0
    with pytest.raises(refunds.NothingToRefund):
        refunds.refund_registration(paid, actor=iut_agent)


def test_an_amount_is_capped_at_what_is_left(paid, iut_agent):  # noqa: F811
    payment = paid.payments.get()
    first = refunds.refund_registration(paid, actor=iut_agent, amount_cents=1000)
    assert first.refunded_cents == 1000
    second = refunds.refund_registration(paid, actor=iut_agent, amount_cents=10 * payment.paid_cents)
    assert second.refunded_cents == payment.paid_cents - 1000
    assert second.as_outcome() == {"refunded_cents": second.refunded_cents, "refunds": second.refunds}
