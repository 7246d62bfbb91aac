"""The transition table of a webhook delivery, move by move."""

import pytest

from matricule.webhooks import states
from matricule.webhooks.models import Delivery
from tests.state_machines import assert_move, every_move

S = Delivery.State
ALLOWED = {
    (S.PENDING, S.SENDING),
    (S.PENDING, S.FAILED),  # its subscription disabled
    (S.SENDING, S.SENDING),  # taken over after the lease
    (S.SENDING, S.DELIVERED),
    (S.SENDING, S.RETRYING),
    (S.SENDING, S.FAILED),
    (S.RETRYING, S.SENDING),
    (S.RETRYING, S.FAILED),  # its subscription disabled
    (S.DELIVERED, S.PENDING),  # replay
    (S.FAILED, S.PENDING),  # replay
}


@pytest.mark.parametrize(("current", "wanted"), every_move(S.values))
def test_moves(current, wanted):
    assert_move(states, current, wanted, (current, wanted) in ALLOWED)
