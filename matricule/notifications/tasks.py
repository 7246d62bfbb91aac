from matricule.compat import task

from . import delivery


@task(queue_name="emails")
def deliver_email(email_id: int) -> str:
    """Send one email of the outbox, unless another sender has it or it was sent: safe to run
    twice. The mail server's trouble is recorded on the row and retried, never raised."""
    return delivery.deliver(email_id)
