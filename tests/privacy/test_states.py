import pytest

from matricule.privacy import states
from matricule.privacy.models import DataExport
from tests.state_machines import assert_move, every_move

# The transitions the design allows, written out independently of the table under test.
ALLOWED = {
    ("requested", "ready"),  # the task wrote the ZIP
    ("requested", "failed"),  # the task could not
}


@pytest.mark.parametrize(("current", "wanted"), every_move(DataExport.State.values))
def test_transition_table(current, wanted):
    assert_move(states, current, wanted, (current, wanted) in ALLOWED)


@pytest.mark.parametrize("final", ["ready", "failed"])
def test_ready_and_failed_exports_are_final(final):
    # Asking again makes a new export, which replaces them.
    assert not any(states.can_go(final, wanted) for wanted in DataExport.State.values)


def test_every_state_is_in_the_table():
    assert set(states.TRANSITIONS) == set(DataExport.State.values)
