"""The state machine of a webhook delivery: one transition table, its error."""

from matricule import transitions

from .models import Delivery

State = Delivery.State


class TransitionError(transitions.TransitionError):
    """A move the table does not allow (e.g. delivering again a delivery being sent)."""


# pending → sending (claimed by one sender) → delivered once the receiver answered 2xx; an
# error or another answer → retrying (back-off), and after the last attempt failed. A sender
# that dies leaves it sending: once its lease is over another sender claims it (sending →
# sending). Staff replay a delivered or failed one (→ pending, same webhook id).
TRANSITIONS = transitions.Table(
    {
        State.PENDING: {State.SENDING, State.FAILED},
        State.SENDING: {State.SENDING, State.DELIVERED, State.RETRYING, State.FAILED},
        State.RETRYING: {State.SENDING, State.FAILED},
        State.DELIVERED: {State.PENDING},
        State.FAILED: {State.PENDING},
    },
    TransitionError,
)

can_go, check = TRANSITIONS.can_go, TRANSITIONS.check
