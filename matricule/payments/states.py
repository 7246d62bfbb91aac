"""The payment state machine: one transition table, named errors."""

from matricule import transitions

from .models import Payment

Status = Payment.Status


class TransitionError(transitions.TransitionError):
    """A transition the table does not allow (e.g. failing a confirmed payment)."""


# (from, to) pairs allowed; anything else is refused. Gateways may deliver their outcomes in any
# order: until money is taken, the latest failure or cancellation wins, and a confirmation still
# counts after either. Money taken (confirmed, or held for review when it does not match what is
# due) only goes on to refunds; a second partial refund keeps a payment partly refunded.
TRANSITIONS = transitions.Table(
    {
        Status.SCHEDULED: {Status.PENDING},
        Status.CREATED: {Status.CONFIRMED, Status.TO_REVIEW, Status.FAILED, Status.CANCELLED},
        Status.PENDING: {Status.CONFIRMED, Status.TO_REVIEW, Status.FAILED, Status.CANCELLED},
        Status.FAILED: {Status.CONFIRMED, Status.TO_REVIEW, Status.CANCELLED},
        Status.CANCELLED: {Status.CONFIRMED, Status.TO_REVIEW, Status.FAILED},
        Status.CONFIRMED: {Status.REFUNDED, Status.PARTLY_REFUNDED},
        Status.TO_REVIEW: {Status.REFUNDED, Status.PARTLY_REFUNDED},
        Status.PARTLY_REFUNDED: {Status.PARTLY_REFUNDED, Status.REFUNDED},
        Status.REFUNDED: set(),
    },
    TransitionError,
)

# An attempt under way: the gateway has not said anything final about it yet.
OPEN = {Status.CREATED, Status.PENDING}

can_go, check = TRANSITIONS.can_go, TRANSITIONS.check
