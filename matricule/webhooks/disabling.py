"""A subscription whose receiver stays down is disabled, and its client's owner told."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from matricule.audit.services import record
from matricule.notifications.services import queue_email, render_bilingual

from . import states
from .models import Delivery, Subscription, forget_subscriptions

State = Delivery.State
# Kept on the subscription and written to its owner: in English, as the admin's other logs are.
DOWN_REASON = "Deliveries kept failing for about a day: the receiver does not answer 2xx."
DISABLED_ERROR = "Not sent: the subscription was disabled."


def disable(subscription: Subscription, *, reason: str, now=None, actor=None) -> bool:
    """Active → disabled, once: its open deliveries fail (staff replay them once the receiver
    works again), the change is audited and the client's owner emailed (sent once this commits).
    False when it was disabled already."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Subscription.objects.filter(pk=subscription.pk, is_active=True).update(
            is_active=False, disabled_at=now, disabled_reason=reason[:300]
        ):
            return False
        forget_subscriptions()  # an update(): no signal
        for source in (State.PENDING, State.RETRYING):
            states.check(source, State.FAILED)
        Delivery.objects.filter(subscription=subscription, state__in=[State.PENDING, State.RETRYING]).update(
            state=State.FAILED, next_attempt_at=None, last_error=DISABLED_ERROR
        )
        subscription = Subscription.objects.select_related("client").get(pk=subscription.pk)
        record("webhooks.subscription.disabled", actor=actor, obj=subscription, reason=reason[:300])
        _tell_owner(subscription)
    return True


def _tell_owner(subscription: Subscription) -> None:
    context = {"subscription": subscription, "client": subscription.client, "site_url": settings.SITE_URL}
    queue_email(
        kind="webhook_disabled",
        to=subscription.client.owner_email,
        subject="Webhooks désactivés / Webhooks disabled",
        body=render_bilingual("webhooks/email/subscription_disabled.txt", context),
        # Once per disabling: disabled again later, it is another email.
        key=f"subscription:{subscription.pk}:{subscription.disabled_at.timestamp():.0f}",
    )
