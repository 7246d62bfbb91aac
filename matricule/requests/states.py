"""The request state machine: one transition table, named errors."""

from .models import State

# (from, to) pairs allowed; anything else is refused. A request being handled may be taken over
# by another agent (in_review → in_review); the student may withdraw it until it is decided.
TRANSITIONS: dict[str, set[str]] = {
    State.SUBMITTED: {State.IN_REVIEW, State.WITHDRAWN},
    State.IN_REVIEW: {State.IN_REVIEW, State.ACCEPTED, State.REFUSED, State.WITHDRAWN},
    State.ACCEPTED: set(),
    State.REFUSED: set(),
    State.WITHDRAWN: set(),
}


class TransitionError(Exception):
    """A transition the table does not allow (e.g. withdrawing an accepted request)."""

    def __init__(self, current: str, wanted: str):
        super().__init__(f"cannot go from {current} to {wanted}")
        self.current, self.wanted = current, wanted


def can_go(current: str, wanted: str) -> bool:
    return wanted in TRANSITIONS.get(current, set())


def check(current: str, wanted: str) -> None:
    if not can_go(current, wanted):
        raise TransitionError(current, wanted)
