"""The registration state machine: one transition table, named errors."""

from .models import State

# (from, to) pairs allowed; anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    State.DRAFT: {State.SUBMITTED, State.CANCELLED},
    State.SUBMITTED: {State.AWAITING_PAYMENT, State.EXEMPT, State.CANCELLED},
    State.AWAITING_PAYMENT: {State.PAID, State.EXEMPT, State.CANCELLED},  # exempt: decided at the desk
    State.PAID: {State.REGISTERED, State.CANCELLED},
    State.EXEMPT: {State.REGISTERED, State.CANCELLED},
    State.REGISTERED: {State.CANCELLED},
    State.CANCELLED: set(),
}

ACTIVE = {State.DRAFT, State.SUBMITTED, State.AWAITING_PAYMENT, State.PAID, State.EXEMPT, State.REGISTERED}


class TransitionError(Exception):
    """A transition the table does not allow (e.g. submitting a registered registration)."""

    def __init__(self, current: str, wanted: str):
        super().__init__(f"cannot go from {current} to {wanted}")
        self.current, self.wanted = current, wanted


def can_go(current: str, wanted: str) -> bool:
    return wanted in TRANSITIONS.get(current, set())


def check(current: str, wanted: str) -> None:
    if not can_go(current, wanted):
        raise TransitionError(current, wanted)
