import logging

from matricule.compat import task

from . import delivery

logger = logging.getLogger(__name__)


@task(queue_name="default")
def deliver_webhook(delivery_id: int) -> str:
    """Send one webhook delivery, unless another sender has it or it is done: safe to run twice.
    The receiver's trouble is recorded on the row and retried, never raised."""
    return delivery.deliver(delivery_id)


def hand_over(pk: int) -> None:
    """Queue the send (called once the transaction that wrote the row commits); a queue that
    cannot be reached loses nothing: the sweep sends it."""
    try:
        deliver_webhook.enqueue(pk)
    except Exception:
        logger.exception("Webhook delivery %s not handed to the task queue: the sweep will send it", pk)
