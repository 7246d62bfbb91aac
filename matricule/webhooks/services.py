"""What staff do to subscriptions and deliveries: enable again, replay."""

import functools

from django.db import transaction

from matricule.audit.services import record

from . import states
from .models import Delivery, Subscription, forget_subscriptions
from .tasks import hand_over

State = Delivery.State


def enable(subscription: Subscription, *, actor) -> bool:
    """Disabled → active again (staff, once the receiver is fixed); what failed meanwhile is
    replayed from the delivery log. False when it was active already."""
    with transaction.atomic():
        if not Subscription.objects.filter(pk=subscription.pk, is_active=False).update(
            is_active=True, disabled_at=None, disabled_reason=""
        ):
            return False
        forget_subscriptions()  # an update(): no signal
        record("webhooks.subscription.enabled", actor=actor, obj=subscription)
    return True


def replay(deliveries, *, actor) -> list[Delivery]:
    """Delivered or failed → pending, with the same webhook id and a fresh round of attempts
    (the earlier ones stay in the log): a receiver that processed it already sees an id it knows
    and ignores it; one that lost it processes it. Rows of a disabled subscription or a revoked
    client, or still on their way, are left; the rows put back are returned, each sent once this
    commits."""
    back = []
    with transaction.atomic():
        rows = (
            Delivery.objects.select_for_update(of=("self",))
            .filter(
                pk__in=[d.pk for d in deliveries],
                subscription__is_active=True,
                subscription__client__is_active=True,
            )
            .order_by("pk")
        )
        for delivery in rows:
            if not states.can_go(delivery.state, State.PENDING):
                continue
            delivery.state, delivery.attempts, delivery.next_attempt_at = State.PENDING, 0, None
            delivery.claimed_at = None
            delivery.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_at"])
            record("webhooks.delivery.replayed", actor=actor, obj=delivery, webhook_id=delivery.webhook_id)
            transaction.on_commit(functools.partial(hand_over, delivery.pk))
            back.append(delivery)
    return back
