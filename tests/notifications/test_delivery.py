"""Delivery of the outbox: a row is claimed by one sender only, sent outside the transaction,
marked sent once the server accepted it, retried with back-off while the server is down, failed
after the last attempt, taken up again after a dead sender's lease; a message not kept in full is
made again by its task; the Message-ID of a key never changes."""

import datetime
import re
import smtplib

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from matricule.compat import task
from matricule.notifications import delivery, states
from matricule.notifications.delivery import BACKOFF, LEASE, MAX_ATTEMPTS, Run
from matricule.notifications.models import Email
from matricule.notifications.services import queue_email

from .mail_server import WorkerKilled

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 9, 1, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def queued(key=None) -> Email:
    """An email written by a caller; its on-commit task never runs here (as after a crash)."""
    return queue_email(kind="test", to="chloe.lefevre@example.org", subject="Sujet", body="Corps", key=key)


def row(email: Email) -> Email:
    email.refresh_from_db()
    return email


# --- The claim ---------------------------------------------------------------------------------


def test_a_row_is_claimed_once():
    email = queued()
    assert delivery.claim(email.pk) is True
    assert delivery.claim(email.pk) is False  # the second sender finds it sending: leaves it
    email = row(email)
    assert (email.status, email.attempts) == (Email.Status.SENDING, 1)
    assert email.claimed_at is not None


def test_the_claim_is_a_conditional_update_on_the_status(clock):
    email = queued()
    Email.objects.filter(pk=email.pk).update(status=Email.Status.SENT)
    assert delivery.claim(email.pk) is False
    Email.objects.filter(pk=email.pk).update(status=Email.Status.FAILED)
    assert delivery.claim(email.pk) is False
    later = timezone.now() + datetime.timedelta(minutes=5)
    Email.objects.filter(pk=email.pk).update(status=Email.Status.RETRYING, next_attempt_at=later)
    assert delivery.claim(email.pk) is False  # not due yet
    assert delivery.claim(email.pk, now=later) is True


def test_every_claim_and_outcome_is_a_move_of_the_table():
    assert all(states.can_go(source, Email.Status.SENDING) for source in delivery.CLAIMED_FROM)
    for outcome in (Email.Status.SENT, Email.Status.RETRYING, Email.Status.FAILED):
        assert states.can_go(Email.Status.SENDING, outcome)


def test_two_sweeps_at_once_send_a_row_once(mail_server, clock):
    email = queued()
    clock.shift(60)
    others = []
    # While the first sweep sends it, a second one (another worker) runs: it finds it claimed.
    mail_server.script = [lambda: others.append(delivery.deliver_due())]
    assert delivery.deliver_due() == 1
    assert others == [0]
    assert delivery.deliver_due() == 0
    assert len(mail_server.accepted) == 1
    assert row(email).status == Email.Status.SENT and row(email).attempts == 1


def test_the_task_and_the_sweep_send_a_row_once(mail_server, clock):
    email = queued()
    mail_server.script = [lambda: others.append(delivery.deliver(email.pk))]
    others = []
    clock.shift(60)
    assert delivery.deliver(email.pk) == Email.Status.SENT
    assert others == [Email.Status.SENDING]
    assert delivery.deliver_due() == 0
    assert len(mail_server.accepted) == 1


# --- Sent, and marked sent after the server accepted it ----------------------------------------


def test_a_row_is_marked_sent_once_accepted(mail_server, clock):
    email = queued()
    assert delivery.deliver(email.pk) == Email.Status.SENT
    email = row(email)
    assert (email.status, email.sent_at, email.attempts, email.last_error) == ("sent", START, 1, "")
    [message] = mail_server.accepted
    assert (message.to, message.subject, message.body) == (["chloe.lefevre@example.org"], "Sujet", "Corps")
    assert message.extra_headers["Message-ID"] == delivery.message_id(email.key)
    assert delivery.deliver(email.pk) == Email.Status.SENT  # sent is final
    assert len(mail_server.accepted) == 1


def test_a_row_is_sent_outside_the_transaction_that_wrote_it(
    mail_server, immediate_tasks, django_capture_on_commit_callbacks
):
    """Sending starts once the caller's transaction has committed, never inside it."""
    seen = []

    def during_the_send():
        seen.append(delivery.in_transaction())

    mail_server.script = [during_the_send]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email = queued()
        assert mail_server.accepted == []
    assert seen == [False]
    assert row(email).status == Email.Status.SENT


# --- The server down or refusing -----------------------------------------------------------------


def test_retried_with_back_off_while_the_server_is_down_then_sent(mail_server, clock):
    email = queued()
    mail_server.script = ["down", "busy", "down"]
    clock.shift(datetime.timedelta(seconds=31))  # the on-commit task never ran: the sweep sends it
    waits = []
    for _failure in range(3):
        assert delivery.deliver_due() == 0
        email = row(email)
        assert email.status == Email.Status.RETRYING
        waits.append(email.next_attempt_at - timezone.now())
        assert delivery.deliver_due() == 0  # not due yet: left alone
        clock.move_to(email.next_attempt_at)
    assert waits == list(BACKOFF[:3])
    assert "ConnectionRefusedError" in email.last_error
    assert delivery.deliver_due() == 1
    email = row(email)
    assert (email.status, email.attempts, email.last_error, email.next_attempt_at) == ("sent", 4, "", None)
    assert len(mail_server.accepted) == 1


def test_failed_after_the_last_attempt_then_sent_again_by_staff(mail_server, clock, immediate_tasks):
    from matricule.notifications.services import resend

    email = queued()
    mail_server.script = ["down"] * MAX_ATTEMPTS
    clock.shift(datetime.timedelta(seconds=31))
    for _attempt in range(MAX_ATTEMPTS):
        delivery.deliver_due()
        email = row(email)
        if email.next_attempt_at:
            clock.move_to(email.next_attempt_at)
    assert (email.status, email.attempts, email.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert "Connection refused" in email.last_error
    assert sum(BACKOFF, datetime.timedelta()) == datetime.timedelta(hours=14, minutes=36)
    clock.shift(datetime.timedelta(days=2))
    assert delivery.deliver_due() == 0  # failed stays failed: staff decide
    assert mail_server.accepted == []

    [back] = resend([email])
    assert back.status == Email.Status.QUEUED
    assert delivery.deliver_due() == 1  # the task queued on commit did not run here: the sweep sends it
    assert row(email).status == Email.Status.SENT and len(mail_server.accepted) == 1


def test_a_recipient_refused_for_good_fails_at_once(mail_server):
    email = queued()
    mail_server.script = ["unknown user"]
    assert delivery.deliver(email.pk) == Email.Status.FAILED
    assert "No such user" in row(email).last_error and row(email).attempts == 1


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no")}), True),
        (
            smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no"), "b@example.org": (450, b"later")}),
            False,
        ),
        (smtplib.SMTPDataError(554, b"rejected"), True),
        (smtplib.SMTPDataError(451, b"later"), False),
        (smtplib.SMTPSenderRefused(553, b"not our sender", "no-reply@example.org"), False),  # our set-up
        (smtplib.SMTPAuthenticationError(535, b"bad login"), False),
        (ConnectionRefusedError(111, "refused"), False),
        (TimeoutError("timed out"), False),
    ],
)
def test_only_a_refusal_for_good_is_permanent(error, permanent):
    assert delivery.permanent(error) is permanent


# --- Crashes -------------------------------------------------------------------------------------


def test_a_row_left_sending_by_a_dead_worker_is_sent_after_the_lease(mail_server, clock):
    email = queued()
    assert delivery.claim(email.pk)  # a worker claims it, and dies before sending
    clock.shift(LEASE - datetime.timedelta(seconds=1))
    assert delivery.deliver_due() == 0  # it might still be sending
    assert mail_server.accepted == []
    clock.shift(datetime.timedelta(seconds=1))
    assert delivery.deliver_due() == 1
    assert row(email).status == Email.Status.SENT and row(email).attempts == 2
    assert len(mail_server.accepted) == 1


def test_a_crash_between_acceptance_and_the_sent_mark_sends_it_again_with_the_same_message_id(
    mail_server, clock
):
    """The accepted edge of at-least-once: the server took it, the worker died before writing
    `sent`. The copy sent after the lease carries the same Message-ID, so it reads as one message."""
    email = queued()
    mail_server.script = ["accept, then the worker dies"]
    with pytest.raises(WorkerKilled):
        delivery.deliver(email.pk)
    assert row(email).status == Email.Status.SENDING
    clock.shift(LEASE)
    assert delivery.deliver_due() == 1
    first, second = mail_server.accepted
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert delivery.deliver_due() == 0


def test_an_acceptance_we_never_heard_of_is_retried_as_the_same_message(mail_server, clock):
    email = queued()
    mail_server.script = ["accept, then the connection drops"]
    assert delivery.deliver(email.pk) == Email.Status.RETRYING
    clock.shift(BACKOFF[0])
    assert delivery.deliver_due() == 1
    first, second = mail_server.accepted
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]


def test_a_message_that_kills_its_sender_every_time_ends_failed(mail_server, clock):
    email = queued()
    Email.objects.filter(pk=email.pk).update(
        status=Email.Status.SENDING, attempts=MAX_ATTEMPTS, claimed_at=timezone.now()
    )
    clock.shift(LEASE)
    assert delivery.deliver_due() == 0
    assert row(email).status == Email.Status.FAILED and "last attempt" in row(email).last_error
    assert mail_server.accepted == []


def test_a_queued_row_is_left_to_its_task_for_a_few_seconds(mail_server, clock):
    queued()
    assert delivery.deliver_due() == 0
    clock.shift(delivery.GRACE)
    assert delivery.deliver_due() == 1


def test_the_sweep_goes_through_every_row_due_in_batches(mail_server, clock, monkeypatch):
    monkeypatch.setattr(delivery, "BATCH", 2)
    for _ in range(5):
        queued()
    clock.shift(60)
    assert delivery.deliver_due() == 5
    assert len(mail_server.accepted) == 5


def test_one_row_in_trouble_does_not_stop_the_sweep(mail_server, clock, monkeypatch):
    first, second = queued(), queued()
    clock.shift(60)
    real = delivery.deliver

    def deliver(pk, now=None):
        if pk == first.pk:
            raise RuntimeError("database gone for a moment")
        return real(pk, now)

    monkeypatch.setattr(delivery, "deliver", deliver)
    assert delivery.deliver_due() == 1
    assert row(second).status == Email.Status.SENT


# --- The Message-ID --------------------------------------------------------------------------------


def test_the_message_id_is_stable_for_a_key(settings):
    settings.DEFAULT_FROM_EMAIL = "Université <inscriptions@univ-exemple.fr>"
    first = delivery.message_id("request_accepted:request:12")
    assert first == delivery.message_id("request_accepted:request:12")
    assert first != delivery.message_id("request_accepted:request:13")
    assert first.startswith("<") and first.endswith("@univ-exemple.fr>")
    assert "request" not in first and len(first.split("@")[0]) == 41  # a digest, not the key


def test_the_same_logical_email_has_the_same_message_id_when_sent_again(mail_server, clock):
    email = queued(key="request:12")
    mail_server.script = ["busy"]
    delivery.deliver(email.pk)
    clock.shift(BACKOFF[0])
    delivery.deliver_due()
    [message] = mail_server.accepted
    assert message.extra_headers["Message-ID"] == delivery.message_id("test:request:12")


# --- Keys ----------------------------------------------------------------------------------------


def test_keys_from_the_caller_from_the_task_run_or_new():
    assert delivery.make_key("request_accepted", "request:12") == "request_accepted:request:12"
    assert delivery.make_key("test") != delivery.make_key("test")
    with delivery.running(Run("run-1", "matricule.example.tasks.f", [1], {})):
        assert delivery.make_key("login_link") == "login_link:task:run-1:1"
        assert delivery.make_key("login_link") == "login_link:task:run-1:2"
        assert delivery.make_key("account_notice") == "account_notice:task:run-1:1"
    with delivery.running(Run("run-1", "matricule.example.tasks.f", [1], {})):  # the same run, again
        assert delivery.make_key("login_link") == "login_link:task:run-1:1"
    assert delivery.current_run() is None
    long = delivery.make_key("test", "x" * 300)
    assert len(long) <= 200 and long == delivery.make_key("test", "x" * 300)


@task()
def probe(number):
    run = delivery.current_run()
    return [run.task_id, run.path, run.args]


def test_the_running_task_is_followed_through_the_task_signals(immediate_tasks):
    result = probe.enqueue(7)
    assert result.return_value == [result.id, probe.module_path, [7]]
    assert delivery.current_run() is None  # finished: forgotten


def test_in_transaction_tells_the_callers_transactions_from_the_tests():
    assert delivery.in_transaction() is False
    with transaction.atomic():
        assert delivery.in_transaction() is True


# --- Messages not kept in full: made again by their task -------------------------------------------


@pytest.fixture
def candidate(demo_candidates):
    return demo_candidates["accepted"]


def test_a_login_link_refused_is_made_again_by_its_task_then_sent(
    candidate, mail_server, immediate_tasks, clock
):
    from matricule.accounts.admission_login import check_link, send_login_link

    mail_server.script = ["down"]
    result = send_login_link.enqueue(candidate.pk, "fr")
    email = Email.objects.get(kind="login_link")
    assert (email.status, email.kept_in_full) == (Email.Status.RETRYING, False)
    assert email.task_path == "matricule.accounts.admission_login.send_login_link"
    assert (email.task_id, email.task_arguments) == (result.id, {"args": [candidate.pk, "fr"], "kwargs": {}})
    assert email.key == f"login_link:task:{result.id}:1"

    clock.shift(BACKOFF[0])
    assert delivery.deliver_due() == 1
    [message] = mail_server.accepted
    email = row(email)
    assert email.status == Email.Status.SENT and Email.objects.count() == 1  # the same row
    assert "[lien masqué / link hidden]" in email.body  # the log still keeps no usable link
    assert message.extra_headers["Message-ID"] == delivery.message_id(email.key)
    with translation.override("fr"):
        prefix = settings.SITE_URL + reverse("accounts:link", args=["TOKEN"]).split("TOKEN")[0]
    token = re.search(re.escape(prefix) + r"([A-Za-z0-9_-]{43})", message.body).group(1)
    check_link(token)  # the link made again works


def test_a_task_run_again_after_its_worker_died_sends_its_email_once(candidate, mail_server):
    from matricule.accounts.admission_login import send_login_link

    path = "matricule.accounts.admission_login.send_login_link"
    with delivery.running(Run("run-1", path, [candidate.pk], {})):
        send_login_link.call(candidate.pk)
    with delivery.running(Run("run-1", path, [candidate.pk], {})):  # the same task, taken up again
        send_login_link.call(candidate.pk)
    assert len(mail_server.accepted) == 1
    assert Email.objects.get().status == Email.Status.SENT


def test_a_task_that_no_longer_sends_its_email_leaves_it_failed(candidate, mail_server, clock, monkeypatch):
    from matricule.accounts import admission_login

    path = "matricule.accounts.admission_login.send_login_link"
    mail_server.script = ["down"]
    with delivery.running(Run("run-1", path, [candidate.pk], {})):
        admission_login.send_login_link.call(candidate.pk)
    monkeypatch.setattr(admission_login, "has_activated_account", lambda user: True)  # meanwhile
    clock.shift(BACKOFF[0])
    assert delivery.deliver_due() == 0
    email = Email.objects.get()
    assert email.status == Email.Status.FAILED and email.last_error == delivery.NOT_MADE_AGAIN


def test_a_message_not_kept_in_full_and_made_by_no_task_is_never_sent_from_its_masked_body(
    mail_server, clock
):
    from matricule.notifications.services import send_now

    mail_server.script = ["down"]
    email = send_now(
        kind="login_link", to="a@example.org", subject="Lien", body="secret", logged_body="masqué"
    )
    assert (email.status, email.kept_in_full, email.task_path) == (Email.Status.RETRYING, False, "")
    clock.shift(BACKOFF[0])
    assert delivery.deliver_due() == 0
    assert row(email).status == Email.Status.FAILED and row(email).last_error == delivery.CANNOT_MAKE_AGAIN
    assert mail_server.accepted == []


@pytest.mark.parametrize(
    "path",
    [
        "os.system",  # not ours
        "matricule.notifications.services.queue_email",  # not a task
        "matricule.notifications.nothing_here.task",
    ],
)
def test_only_a_task_of_the_project_is_run_again(path):
    email = Email(key="k", task_path=path)
    assert delivery.origin_task(email) is None
