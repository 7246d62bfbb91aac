"""What the tests of each state machine's transition table check, move by move."""

import itertools

import pytest


def every_move(states):
    """Every (current, wanted) pair of a machine's states, to parametrize a test with."""
    return list(itertools.product(states, repeat=2))


def assert_move(machine, current, wanted, allowed: bool) -> None:
    """The machine (a `states` module) allows current → wanted exactly when `allowed`; a move it
    refuses raises its own TransitionError, which names both states."""
    assert machine.can_go(current, wanted) is allowed
    if allowed:
        machine.check(current, wanted)
    else:
        with pytest.raises(machine.TransitionError) as error:
            machine.check(current, wanted)
        assert (error.value.current, error.value.wanted) == (current, wanted)
