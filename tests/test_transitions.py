"""The shared transition table: allowed moves pass, others raise the machine's own error."""

import pytest

from matricule import transitions


class DoorError(transitions.TransitionError):
    pass


DOOR = transitions.Table({"open": {"closed"}, "closed": {"open", "locked"}, "locked": set()}, DoorError)


def test_moves_in_the_table_are_allowed():
    assert DOOR.can_go("closed", "locked")
    DOOR.check("open", "closed")


def test_other_moves_raise_the_machine_error_with_both_states():
    assert not DOOR.can_go("locked", "open")
    assert not DOOR.can_go("ajar", "open")  # an unknown state goes nowhere
    with pytest.raises(DoorError) as raised:
        DOOR.check("locked", "open")
    assert (raised.value.current, raised.value.wanted) == ("locked", "open")
    assert isinstance(raised.value, transitions.TransitionError)


def test_the_table_reads_as_the_dict_it_declares():
    assert set(DOOR) == {"open", "closed", "locked"}
    assert DOOR["closed"] == {"open", "locked"}
