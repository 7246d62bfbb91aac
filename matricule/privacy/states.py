"""The data export state machine: one transition table, named errors."""

from matricule import transitions

from .models import DataExport

State = DataExport.State


class TransitionError(transitions.TransitionError):
    """A transition the table does not allow (e.g. a ready export failing afterwards)."""


# (from, to) pairs allowed; anything else is refused. Ready and failed are final: asking again
# makes a new export, which replaces them (`data_export.request_export`).
TRANSITIONS = transitions.Table(
    {
        State.REQUESTED: {State.READY, State.FAILED},
        State.READY: set(),
        State.FAILED: set(),
    },
    TransitionError,
)

can_go, check = TRANSITIONS.can_go, TRANSITIONS.check
