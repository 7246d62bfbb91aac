"""What the notifications app tells the apps above it (it imports none of them)."""

from django.dispatch import Signal

# Staff put a failed email back in the queue: sent with `email` (the row) and `actor` (the staff
# member), inside the transaction that does it. The audit trail listens (an app above this one
# connects it to `matricule.audit.services.record`).
email_resent = Signal()
