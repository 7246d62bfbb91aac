"""The registration state machine: one transition table, named errors."""

from matricule import transitions

from .models import State


class TransitionError(transitions.TransitionError):
    """A transition the table does not allow (e.g. submitting a registered registration)."""


# (from, to) pairs allowed; anything else is refused.
TRANSITIONS = transitions.Table(
    {
        State.DRAFT: {State.SUBMITTED, State.CANCELLED},
        State.SUBMITTED: {State.AWAITING_PAYMENT, State.EXEMPT, State.CANCELLED},
        # exempt: decided at the desk; draft: reopened by the registrar's office for a correction
        State.AWAITING_PAYMENT: {State.PAID, State.EXEMPT, State.CANCELLED, State.DRAFT},
        State.PAID: {State.REGISTERED, State.CANCELLED},
        State.EXEMPT: {State.REGISTERED, State.CANCELLED},
        State.REGISTERED: {State.CANCELLED},
        State.CANCELLED: set(),
    },
    TransitionError,
)

ACTIVE = {State.DRAFT, State.SUBMITTED, State.AWAITING_PAYMENT, State.PAID, State.EXEMPT, State.REGISTERED}

can_go, check = TRANSITIONS.can_go, TRANSITIONS.check
