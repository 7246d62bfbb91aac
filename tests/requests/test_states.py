import itertools

import pytest

from matricule.requests import states
from matricule.requests.models import State

# The transitions the design allows, written out independently of the table under test.
ALLOWED = {
    ("submitted", "in_review"),  # an agent takes it
    ("submitted", "withdrawn"),  # the student takes it back
    ("in_review", "in_review"),  # another agent takes it over
    ("in_review", "accepted"),
    ("in_review", "refused"),
    ("in_review", "withdrawn"),  # still undecided
}


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(State.values, repeat=2)))
def test_transition_table(current, wanted):
    allowed = (current, wanted) in ALLOWED
    assert states.can_go(current, wanted) is allowed
    if allowed:
        states.check(current, wanted)
    else:
        with pytest.raises(states.TransitionError) as error:
            states.check(current, wanted)
        assert (error.value.current, error.value.wanted) == (current, wanted)


@pytest.mark.parametrize("final", ["accepted", "refused", "withdrawn"])
def test_decided_and_withdrawn_requests_are_final(final):
    assert not any(states.can_go(final, wanted) for wanted in State.values)


def test_every_state_is_in_the_table():
    assert set(states.TRANSITIONS) == set(State.values)
