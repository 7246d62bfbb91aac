"""The supporting document state machine: one transition table, named errors."""

from matricule import transitions

from .models import Submission

Status = Submission.Status


class TransitionError(transitions.TransitionError):
    """A transition the table does not allow (e.g. replacing a validated document)."""


# (from, to) pairs allowed; anything else is refused. A document waiting for review may be
# replaced by a new upload (submitted → submitted); a validated one is kept as it is.
TRANSITIONS = transitions.Table(
    {
        Status.MISSING: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.SUBMITTED, Status.VALIDATED, Status.REFUSED},
        Status.REFUSED: {Status.SUBMITTED},
        Status.VALIDATED: set(),
    },
    TransitionError,
)

can_go, check = TRANSITIONS.can_go, TRANSITIONS.check
