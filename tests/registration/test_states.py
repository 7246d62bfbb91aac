import pytest

from matricule.registration import states
from matricule.registration.models import State
from tests.state_machines import assert_move

ALLOWED = {
    ("draft", "submitted"),
    ("draft", "cancelled"),
    ("submitted", "awaiting_payment"),
    ("submitted", "exempt"),
    ("submitted", "cancelled"),
    ("awaiting_payment", "paid"),
    ("awaiting_payment", "exempt"),
    ("awaiting_payment", "cancelled"),
    ("awaiting_payment", "draft"),
    ("paid", "registered"),
    ("paid", "cancelled"),
    ("exempt", "registered"),
    ("exempt", "cancelled"),
    ("registered", "cancelled"),
}


@pytest.mark.parametrize("current", [s.value for s in State])
@pytest.mark.parametrize("wanted", [s.value for s in State])
def test_transition_table(current, wanted):
    assert_move(states, current, wanted, (current, wanted) in ALLOWED)
