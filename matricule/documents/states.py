"""The supporting document state machine: one transition table, named errors."""

from .models import Submission

Status = Submission.Status

# (from, to) pairs allowed; anything else is refused. A document waiting for review may be
# replaced by a new upload (submitted → submitted); a validated one is kept as it is.
TRANSITIONS: dict[str, set[str]] = {
    Status.MISSING: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.SUBMITTED, Status.VALIDATED, Status.REFUSED},
    Status.REFUSED: {Status.SUBMITTED},
    Status.VALIDATED: set(),
}


class TransitionError(Exception):
    """A transition the table does not allow (e.g. replacing a validated document)."""

    def __init__(self, current: str, wanted: str):
        super().__init__(f"cannot go from {current} to {wanted}")
        self.current, self.wanted = current, wanted


def can_go(current: str, wanted: str) -> bool:
    return wanted in TRANSITIONS.get(current, set())


def check(current: str, wanted: str) -> None:
    if not can_go(current, wanted):
        raise TransitionError(current, wanted)
