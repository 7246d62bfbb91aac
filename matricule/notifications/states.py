"""The state machine of an email in the outbox: one transition table, its error."""

from matricule import transitions

from .models import Email

Status = Email.Status


class TransitionError(transitions.TransitionError):
    """A move the table does not allow (e.g. sending again an email already sent)."""


# queued → sending (claimed by one sender) → sent once the mail server accepted it; refused or
# unreachable → retrying (back-off), and after the last attempt failed. A sender that dies
# leaves it sending: once its lease is over, another sender claims it (sending → sending).
# Staff put a failed email back in the queue (failed → queued). Sent is final.
TRANSITIONS = transitions.Table(
    {
        Status.QUEUED: {Status.SENDING},
        Status.SENDING: {Status.SENDING, Status.SENT, Status.RETRYING, Status.FAILED},
        Status.RETRYING: {Status.SENDING},
        Status.FAILED: {Status.QUEUED},
        Status.SENT: set(),
    },
    TransitionError,
)

can_go, check = TRANSITIONS.can_go, TRANSITIONS.check
