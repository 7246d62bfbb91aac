"""Staff replay deliveries (same webhook id) and enable a disabled subscription again."""

import pytest

from matricule.audit.models import Event
from matricule.webhooks import delivery as sender
from matricule.webhooks import disabling, services
from matricule.webhooks.models import Delivery

pytestmark = pytest.mark.django_db
State = Delivery.State


def test_a_replay_sends_the_same_message_again_with_the_same_id(
    receiver, subscribe, emit, administrator, immediate_tasks, django_capture_on_commit_callbacks
):
    subscribe(["student.updated"])
    (delivery,) = emit()
    assert sender.deliver(delivery.pk) == State.DELIVERED
    with django_capture_on_commit_callbacks(execute=True):
        (back,) = services.replay([delivery], actor=administrator)
    back.refresh_from_db()
    assert back.state == State.DELIVERED and back.attempt_log.count() == 2
    first, again = receiver.received
    assert first["headers"]["webhook-id"] == again["headers"]["webhook-id"] == delivery.webhook_id
    assert first["body"] == again["body"]
    event = Event.objects.get(action="webhooks.delivery.replayed")
    assert event.actor == administrator and event.data == {"webhook_id": delivery.webhook_id}


def test_a_failed_delivery_replayed_gets_a_fresh_round_of_attempts(subscribe, emit, administrator):
    subscribe(["student.updated"])
    (delivery,) = emit()
    Delivery.objects.filter(pk=delivery.pk).update(state=State.FAILED, attempts=sender.MAX_ATTEMPTS)
    (back,) = services.replay([delivery], actor=administrator)
    assert (back.state, back.attempts, back.next_attempt_at) == (State.PENDING, 0, None)


def test_deliveries_on_their_way_or_of_a_disabled_subscription_are_not_replayed(
    subscribe, emit, administrator
):
    subscription = subscribe(["student.updated"])
    waiting, failed = emit(2)
    assert services.replay([waiting], actor=administrator) == []  # pending: on its way already
    disabling.disable(subscription, reason="test")
    failed.refresh_from_db()
    assert failed.state == State.FAILED
    assert services.replay([failed], actor=administrator) == []
    services.enable(subscription, actor=administrator)
    assert [d.pk for d in services.replay([failed], actor=administrator)] == [failed.pk]


def test_enabling_again_clears_the_reason_once(subscribe, administrator):
    subscription = subscribe(["student.updated"])
    assert services.enable(subscription, actor=administrator) is False  # active already
    disabling.disable(subscription, reason="down")
    assert services.enable(subscription, actor=administrator) is True
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.disabled_at is None and subscription.disabled_reason == ""
    assert Event.objects.filter(action="webhooks.subscription.enabled", actor=administrator).count() == 1
