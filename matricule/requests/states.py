"""The request state machine: one transition table, named errors."""

from matricule import transitions

from .models import State


class TransitionError(transitions.TransitionError):
    """A transition the table does not allow (e.g. withdrawing an accepted request)."""


# (from, to) pairs allowed; anything else is refused. A request being handled may be taken over
# by another agent (in_review → in_review); the student may withdraw it until it is decided.
TRANSITIONS = transitions.Table(
    {
        State.SUBMITTED: {State.IN_REVIEW, State.WITHDRAWN},
        State.IN_REVIEW: {State.IN_REVIEW, State.ACCEPTED, State.REFUSED, State.WITHDRAWN},
        State.ACCEPTED: set(),
        State.REFUSED: set(),
        State.WITHDRAWN: set(),
    },
    TransitionError,
)

can_go, check = TRANSITIONS.can_go, TRANSITIONS.check
