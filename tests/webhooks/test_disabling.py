"""Disabling a subscription: once, its open deliveries failed, audited, its owner emailed once
the transaction commits."""

import pytest
from django.core import mail

from matricule.audit.models import Event
from matricule.notifications.models import Email
from matricule.webhooks import disabling
from matricule.webhooks.models import Delivery

pytestmark = pytest.mark.django_db
State = Delivery.State


def test_disabling_fails_the_open_deliveries_and_tells_the_owner(
    subscribe, emit, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    subscription = subscribe(["student.updated"])
    pending, retrying, delivered = emit(3)
    Delivery.objects.filter(pk=retrying.pk).update(state=State.RETRYING)
    Delivery.objects.filter(pk=delivered.pk).update(state=State.DELIVERED)
    with django_capture_on_commit_callbacks(execute=True):
        assert disabling.disable(subscription, reason=disabling.DOWN_REASON) is True
    states = dict(Delivery.objects.values_list("pk", "state"))
    assert states == {pending.pk: State.FAILED, retrying.pk: State.FAILED, delivered.pk: State.DELIVERED}
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_reason == disabling.DOWN_REASON
    assert Event.objects.filter(action="webhooks.subscription.disabled").count() == 1
    (message,) = mail.outbox
    assert message.to == [subscription.client.owner_email]
    assert message.subject == "Webhooks désactivés / Webhooks disabled"
    assert subscription.client.name in message.body and subscription.url in message.body


def test_disabling_twice_is_done_once(subscribe):
    subscription = subscribe(["student.updated"])
    assert disabling.disable(subscription, reason="a") is True
    assert disabling.disable(subscription, reason="b") is False
    assert Email.objects.filter(kind="webhook_disabled").count() == 1
    subscription.refresh_from_db()
    assert subscription.disabled_reason == "a"
