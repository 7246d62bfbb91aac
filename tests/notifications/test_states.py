import pytest

from matricule.notifications import states
from matricule.notifications.models import Email
from tests.state_machines import assert_move, every_move

Status = Email.Status

# The moves the design allows, written out independently of the table under test.
ALLOWED = {
    ("queued", "sending"),  # a sender claims it
    ("retrying", "sending"),  # its next attempt has come
    ("sending", "sending"),  # its sender died: another takes it up after the lease
    ("sending", "sent"),  # the server accepted it
    ("sending", "retrying"),  # refused for now, or not reachable
    ("sending", "failed"),  # the last attempt, or refused for good
    ("failed", "queued"),  # staff send it again
}


@pytest.mark.parametrize(("current", "wanted"), every_move(Status.values))
def test_transition_table(current, wanted):
    assert_move(states, current, wanted, (current, wanted) in ALLOWED)


def test_sent_is_final():
    assert not any(states.can_go(Status.SENT, wanted) for wanted in Status.values)


def test_every_state_is_in_the_table():
    assert set(states.TRANSITIONS) == set(Status.values)
