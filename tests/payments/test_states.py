"""The payment state machine: its transition table."""

import pytest

from matricule.payments import states
from matricule.payments.models import Payment


def test_the_table_knows_every_status_and_only_them():
    assert set(states.TRANSITIONS) == set(Payment.Status.values)
    assert set().union(*states.TRANSITIONS.values()) <= set(Payment.Status.values)
    assert states.OPEN.issubset(Payment.Status.values)


def test_the_table_refuses_going_back():
    with pytest.raises(states.TransitionError):
        states.check(Payment.Status.CONFIRMED, Payment.Status.FAILED)
    assert not states.can_go(Payment.Status.REFUNDED, Payment.Status.PARTLY_REFUNDED)
