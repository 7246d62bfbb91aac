"""The task that sends one delivery, and its hand-over once the transaction commits."""

import datetime
import types

import pytest
import time_machine
from django.utils import timezone

from matricule.webhooks import delivery as sender
from matricule.webhooks import tasks
from matricule.webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def test_the_task_sends_the_delivery_and_running_it_again_sends_nothing(
    receiver, subscribe, emit, immediate_tasks
):
    subscribe(["student.updated"])
    (delivery,) = emit()
    assert tasks.deliver_webhook.call(delivery.pk) == "delivered"
    assert tasks.deliver_webhook.call(delivery.pk) == "delivered"
    assert len(receiver.received) == 1


def test_the_task_is_queued_only_once_the_change_commits(
    receiver, subscribe, emit, immediate_tasks, django_capture_on_commit_callbacks
):
    subscribe(["student.updated"])
    with django_capture_on_commit_callbacks() as callbacks:
        emit()
    assert not receiver.received and len(callbacks) == 1
    callbacks[0]()
    assert len(receiver.received) == 1


def test_a_queue_out_of_reach_loses_nothing(receiver, subscribe, emit, monkeypatch, caplog):
    subscribe(["student.updated"])
    (delivery,) = emit()

    def broken(*args):
        raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "deliver_webhook", types.SimpleNamespace(enqueue=broken))
    tasks.hand_over(delivery.pk)  # logged, not raised
    assert "the sweep will send it" in caplog.text
    with time_machine.travel(timezone.now() + sender.GRACE + datetime.timedelta(seconds=1)):
        sender.deliver_due()
    assert Delivery.objects.get().state == "delivered" and len(receiver.received) == 1
