import pytest

from matricule.requests import states
from matricule.requests.models import State
from tests.state_machines import assert_move, every_move

# The transitions the design allows, written out independently of the table under test.
ALLOWED = {
    ("submitted", "in_review"),  # an agent takes it
    ("submitted", "withdrawn"),  # the student takes it back
    ("in_review", "in_review"),  # another agent takes it over
    ("in_review", "accepted"),
    ("in_review", "refused"),
    ("in_review", "withdrawn"),  # still undecided
}


@pytest.mark.parametrize(("current", "wanted"), every_move(State.values))
def test_transition_table(current, wanted):
    assert_move(states, current, wanted, (current, wanted) in ALLOWED)


@pytest.mark.parametrize("final", ["accepted", "refused", "withdrawn"])
def test_decided_and_withdrawn_requests_are_final(final):
    assert not any(states.can_go(final, wanted) for wanted in State.values)


def test_every_state_is_in_the_table():
    assert set(states.TRANSITIONS) == set(State.values)
