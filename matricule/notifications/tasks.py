import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from matricule.compat import task

from .models import Email

logger = logging.getLogger(__name__)


@task(queue_name="emails")
def deliver_email(email_id: int) -> str:
    """Send one logged email. Safe to run twice: a sent email is not sent again."""
    with transaction.atomic():
        email = Email.objects.select_for_update().get(pk=email_id)
        if email.status == Email.Status.SENT:
            return email.status
        email.attempts += 1
        try:
            EmailMessage(subject=email.subject, body=email.body, to=[email.to]).send()
        except Exception as error:  # the mail server's problem must not kill the worker
            logger.warning("Email %s to %s failed: %s", email.pk, email.to, error)
            email.status = Email.Status.FAILED
            email.error = str(error)[:2000]
        else:
            email.status = Email.Status.SENT
            email.sent_at = timezone.now()
            email.error = ""
        email.save(update_fields=["status", "attempts", "error", "sent_at"])
        return email.status
