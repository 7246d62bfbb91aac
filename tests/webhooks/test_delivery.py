"""Sending: signed, retried with back-off through a real receiver on 127.0.0.1 while the clock
moves on, at least once with one webhook id, and a subscription disabled when its receiver stays
down."""

import datetime
import socket

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from standardwebhooks import Webhook

from matricule.notifications.models import Email
from matricule.webhooks import delivery as sender
from matricule.webhooks.disabling import DISABLED_ERROR
from matricule.webhooks.models import Attempt, Delivery

pytestmark = pytest.mark.django_db
State = Delivery.State


def sweep_until_settled(delivery, *, limit=20):
    """Move the clock to the delivery's next attempt and run the sweep, until it is settled."""
    for _ in range(limit):
        delivery.refresh_from_db()
        if delivery.state not in (State.RETRYING, State.PENDING):
            return delivery
        with time_machine.travel(delivery.next_attempt_at + datetime.timedelta(seconds=1)):
            sender.deliver_due()
    return delivery


def test_a_receiver_failing_three_times_gets_the_event_once_more_after_recovering(
    receiver, subscribe, emit, immediate_tasks, django_capture_on_commit_callbacks
):
    subscription = subscribe(["student.updated"])
    receiver.script = [500, 503, 500]
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = emit()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (State.RETRYING, 1, 500)
    first_at = delivery.next_attempt_at

    delivery = sweep_until_settled(delivery)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (State.DELIVERED, 4, 200)
    # The waits grow: 30 s, then 1 min, then 2 min.
    started = list(Attempt.objects.filter(delivery=delivery).values_list("started_at", flat=True))
    gaps = [round((b - a).total_seconds()) for a, b in zip(started, started[1:], strict=False)]
    assert gaps[0] >= 30 and gaps[1] >= 60 and gaps[2] >= 120 and first_at > started[0]
    codes = list(Attempt.objects.filter(delivery=delivery).values_list("status_code", flat=True))
    assert codes == [500, 503, 500, 200]

    # Every attempt carried the same id and body; the receiver accepted it once.
    assert len(receiver.received) == 4 and len(receiver.accepted()) == 1
    assert {r["headers"]["webhook-id"] for r in receiver.received} == {delivery.webhook_id}
    assert len({r["body"] for r in receiver.received}) == 1
    # Nothing more, however long we wait.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert sender.deliver_due() == 0
    assert len(receiver.received) == 4
    # The accepted one verifies with the specification's library (the clock where it was sent).
    last = receiver.accepted()[0]
    with time_machine.travel(delivery.delivered_at):
        payload = Webhook(subscription.secret).verify(last["body"], last["headers"])
    assert payload["type"] == "student.updated" and payload["data"]["changed"] == ["last_name"]
    assert last["headers"]["content-type"] == "application/json"


def test_many_events_each_arrive_once_in_whatever_order(
    receiver, subscribe, emit, immediate_tasks, django_capture_on_commit_callbacks
):
    subscribe(["student.updated"])
    receiver.script = [500, 200, 500, 200, 200]  # some fail first: order on arrival is not kept
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = emit(5)
    for delivery in deliveries:
        sweep_until_settled(delivery)
    ids = [r["headers"]["webhook-id"] for r in receiver.accepted()]
    assert sorted(ids) == sorted(d.webhook_id for d in deliveries)
    assert Delivery.objects.filter(state=State.DELIVERED).count() == 5


def test_the_sweep_sends_what_the_task_never_sent_after_a_grace_period(receiver, subscribe, emit):
    subscribe(["student.updated"])
    (delivery,) = emit()  # the commit callbacks never run: the task was never queued
    assert sender.deliver_due() == 0  # young: left to its task
    with time_machine.travel(timezone.now() + sender.GRACE + datetime.timedelta(seconds=1)):
        assert sender.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == State.DELIVERED and len(receiver.received) == 1


def test_a_delivery_is_claimed_by_one_sender_only(subscribe, emit):
    subscribe(["student.updated"])
    (delivery,) = emit()
    now = timezone.now()
    assert sender.claim(delivery.pk, now) is True
    assert sender.claim(delivery.pk, now) is False
    assert sender.deliver(delivery.pk, now) == State.SENDING  # another sender has it


def test_a_dead_sender_s_delivery_is_sent_again_after_the_lease_with_the_same_id(receiver, subscribe, emit):
    subscribe(["student.updated"])
    (delivery,) = emit()
    sender.claim(delivery.pk, timezone.now())  # and the sender dies
    with time_machine.travel(timezone.now() + sender.LEASE - datetime.timedelta(seconds=5)):
        assert sender.deliver_due() == 0
    with time_machine.travel(timezone.now() + sender.LEASE + datetime.timedelta(seconds=5)):
        assert sender.deliver_due() == 1
    assert [r["headers"]["webhook-id"] for r in receiver.received] == [delivery.webhook_id]


def test_a_sender_dying_on_the_last_attempt_fails_the_delivery(subscribe, emit):
    subscribe(["student.updated"])
    (delivery,) = emit()
    Delivery.objects.filter(pk=delivery.pk).update(
        state=State.SENDING, attempts=sender.MAX_ATTEMPTS, claimed_at=timezone.now()
    )
    with time_machine.travel(timezone.now() + sender.LEASE + datetime.timedelta(seconds=5)):
        sender.deliver_due()
    delivery.refresh_from_db()
    assert delivery.state == State.FAILED and "last attempt" in delivery.last_error


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_receiver_is_retried_with_the_error_kept(subscribe, emit):
    subscribe(["student.updated"], url=f"http://127.0.0.1:{unused_port()}/hooks")
    (delivery,) = emit()
    assert sender.deliver(delivery.pk) == State.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_status_code is None and "refused" in delivery.last_error.lower()
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None and attempt.error == delivery.last_error


def test_a_redirect_is_not_followed(receiver, subscribe, emit):
    subscribe(["student.updated"])
    receiver.script = [302]
    (delivery,) = emit()
    assert sender.deliver(delivery.pk) == State.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302 and len(receiver.received) == 1


def test_only_the_start_of_an_answer_is_read_and_kept(subscribe, emit, monkeypatch):
    from http.server import ThreadingHTTPServer

    from tests.loopback import FakeHandler, serving

    class Chatty(FakeHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send(200, b"x" * 100_000, "text/plain")

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Chatty), monkeypatch) as server:
        subscribe(["student.updated"], url=f"http://127.0.0.1:{server.server_address[1]}/")
        (delivery,) = emit()
        assert sender.deliver(delivery.pk) == State.DELIVERED
    assert len(delivery.attempt_log.get().response) == sender.KEPT_RESPONSE


def test_a_body_that_cannot_be_made_is_retried(receiver, subscribe, emit, student):
    subscribe(["student.updated"])
    (delivery,) = emit()
    Delivery.objects.filter(pk=delivery.pk).update(object_id="0")  # what it was about is gone
    assert sender.deliver(delivery.pk) == State.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_error == "Body not made: DoesNotExist" and not receiver.received


def test_a_receiver_down_for_a_day_disables_the_subscription_and_its_owner_is_told(
    receiver, subscribe, emit, outbox, django_capture_on_commit_callbacks
):
    subscription = subscribe(["student.updated"])
    receiver.script = [500] * 50
    first, second = emit(2)
    started = timezone.now()
    sender.deliver(first.pk)
    first = sweep_until_settled(first, limit=sender.MAX_ATTEMPTS + 2)
    assert first.state == State.FAILED and first.attempts == sender.MAX_ATTEMPTS
    hours = (first.attempt_log.last().started_at - started).total_seconds() / 3600
    assert 22 < hours < 26  # "about a day"

    subscription.refresh_from_db()
    assert (
        not subscription.is_active
        and subscription.disabled_at
        and "about a day" in subscription.disabled_reason
    )
    second.refresh_from_db()
    assert second.state == State.FAILED and second.last_error == DISABLED_ERROR
    email = Email.objects.get(kind="webhook_disabled")
    assert email.to == subscription.client.owner_email and subscription.url in email.body
    assert "has been disabled" in email.body  # (its English half; the French one comes first)
    # Nothing is sent any more.
    count = len(receiver.received)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert sender.deliver_due() == 0
    assert len(receiver.received) == count


def test_one_message_refused_while_others_arrive_leaves_the_subscription_active(receiver, subscribe, emit):
    subscription = subscribe(["student.updated"])
    (delivery,) = emit()
    Delivery.objects.filter(pk=delivery.pk).update(
        state=State.RETRYING, attempts=sender.MAX_ATTEMPTS - 1, next_attempt_at=timezone.now()
    )
    subscription.last_success_at = timezone.now()  # another delivery got through since
    subscription.save()
    receiver.script = [400]
    assert sender.deliver(delivery.pk) == State.FAILED
    subscription.refresh_from_db()
    assert subscription.is_active and not mail.outbox


def test_a_row_of_a_subscription_disabled_since_it_was_written_is_not_sent(receiver, subscribe, emit):
    subscription = subscribe(["student.updated"])
    (delivery,) = emit()
    type(subscription).objects.filter(pk=subscription.pk).update(is_active=False)  # a race with disable()
    assert sender.deliver(delivery.pk) == State.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error == DISABLED_ERROR and not receiver.received


def test_the_sweep_leaves_a_failing_receiver_for_the_rest_of_its_run(receiver, subscribe, emit, api_client):
    failing = subscribe(["student.updated"], url=f"http://127.0.0.1:{unused_port()}/")
    working = subscribe(["student.updated"], client=api_client("Library", all_components=True))
    emit(3)
    with time_machine.travel(timezone.now() + sender.GRACE + datetime.timedelta(seconds=1)):
        assert sender.deliver_due() == 3  # the working receiver's three
    tried = Delivery.objects.filter(subscription=failing).exclude(attempts=0).count()
    assert tried == 1  # one refused connection, and the other two wait for the next run
    assert Delivery.objects.filter(subscription=working, state=State.DELIVERED).count() == 3


def test_nothing_more_goes_to_a_client_revoked_since(receiver, subscribe, emit):
    subscription = subscribe(["student.updated"])
    (delivery,) = emit()
    subscription.client.revoke()
    assert sender.deliver(delivery.pk) == State.FAILED and not receiver.received


def test_a_garbled_answer_is_a_failed_attempt_not_a_crash(subscribe, emit, monkeypatch):
    import socketserver

    from tests.loopback import serving

    class Garbage(socketserver.StreamRequestHandler):
        def handle(self):
            self.rfile.readline()
            self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")

    with serving(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Garbage), monkeypatch) as server:
        subscribe(["student.updated"], url=f"http://127.0.0.1:{server.server_address[1]}/")
        (delivery,) = emit()
        assert sender.deliver(delivery.pk) == State.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_status_code is None and delivery.last_error.startswith("BadStatusLine")
