import pytest

from matricule.registration import states
from matricule.registration.models import State

ALLOWED = {
    ("draft", "submitted"),
    ("draft", "cancelled"),
    ("submitted", "awaiting_payment"),
    ("submitted", "exempt"),
    ("submitted", "cancelled"),
    ("awaiting_payment", "paid"),
    ("awaiting_payment", "exempt"),
    ("awaiting_payment", "cancelled"),
    ("paid", "registered"),
    ("paid", "cancelled"),
    ("exempt", "registered"),
    ("exempt", "cancelled"),
    ("registered", "cancelled"),
}


@pytest.mark.parametrize("current", [s.value for s in State])
@pytest.mark.parametrize("wanted", [s.value for s in State])
def test_transition_table(current, wanted):
    if (current, wanted) in ALLOWED:
        states.check(current, wanted)
    else:
        with pytest.raises(states.TransitionError):
            states.check(current, wanted)
