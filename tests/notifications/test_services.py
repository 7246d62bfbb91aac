"""Emails written and queued: plain text, not HTML (what the registrar typed arrives as typed);
written to the outbox in the caller's transaction and sent once it commits, once per logical
email; staff send failed ones again."""

import datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from matricule.notifications import delivery
from matricule.notifications.models import Email
from matricule.notifications.services import (
    deliver_due,
    queue_email,
    render_bilingual,
    resend,
    send_document_refused_email,
    send_documents_complete_email,
    send_now,
    sent_already,
)


def test_a_refusal_email_keeps_apostrophes_quotes_and_angle_brackets():
    submission = SimpleNamespace(
        document_type=SimpleNamespace(name="Attestation d'acquittement de la CVEC"),
        reason=SimpleNamespace(label="Document illisible"),
        comment="Merci d'envoyer l'attestation \"complète\" (pages 1 & 2) <recto-verso>.",
    )
    registration = SimpleNamespace(student=SimpleNamespace(student_number="26000001"))
    body = render_bilingual(
        "notifications/email/document_refused.txt",
        {
            "submission": submission,
            "first_name": "Chloé",
            "site_url": "https://inscription.example",
            "registration": registration,
        },
    )
    assert "Merci d'envoyer l'attestation \"complète\" (pages 1 & 2) <recto-verso>." in body
    assert "Attestation d'acquittement de la CVEC" in body
    assert "&#x27;" not in body and "&quot;" not in body and "&amp;" not in body and "&lt;" not in body
    assert "Bonjour Chloé" in body and "Hello Chloé" in body


@pytest.mark.django_db
def test_nothing_is_queued_when_the_transaction_rolls_back(
    database_queue, outbox, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue_email(kind="test", to="a@example.org", subject="s", body="b")
    assert len(callbacks) == 1  # only runs on commit
    assert DBTaskResult.objects.count() == 0


# --- The outbox: written in the caller's transaction, sent once after it commits -----------------


def write(**fields):
    values = {
        "kind": "test",
        "to": "chloe.lefevre@example.org",
        "subject": "Sujet",
        "body": "Corps",
        **fields,
    }
    return queue_email(**values)


@pytest.mark.django_db
def test_a_rolled_back_transaction_sends_nothing(
    mail_server, immediate_tasks, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        write()
        raise RuntimeError("the view fails after writing the email")
    assert not Email.objects.exists()
    assert mail_server.accepted == []
    assert deliver_due() == 0


@pytest.mark.django_db
def test_on_commit_the_email_is_sent_once(mail_server, immediate_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email = write()
        assert mail_server.accepted == []  # not while the transaction is open
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        assert deliver_due() == 0  # the sweep finds nothing more to send
    assert len(mail_server.accepted) == 1


@pytest.mark.django_db
def test_the_same_email_asked_for_twice_is_one_row_and_one_message(
    mail_server, immediate_tasks, django_capture_on_commit_callbacks
):
    """A task run again, a form posted twice: the caller's key makes them one email."""
    with django_capture_on_commit_callbacks(execute=True):
        first = write(key="request:12")
    with django_capture_on_commit_callbacks(execute=True):
        second = write(key="request:12")
    assert first.pk == second.pk and Email.objects.count() == 1
    assert len(mail_server.accepted) == 1
    with django_capture_on_commit_callbacks(execute=True):
        write(key="request:13")  # another email
    assert len(mail_server.accepted) == 2


@pytest.mark.django_db
def test_a_queue_that_cannot_be_reached_loses_nothing(
    mail_server, django_capture_on_commit_callbacks, monkeypatch
):
    from matricule.notifications import services

    def unreachable(pk):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(services, "deliver_email", SimpleNamespace(enqueue=unreachable))
    with django_capture_on_commit_callbacks(execute=True):
        email = write()  # the caller's request is not broken
    assert mail_server.accepted == []
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)):
        assert deliver_due() == 1
    email.refresh_from_db()
    assert email.status == Email.Status.SENT


@pytest.mark.django_db
def test_a_refusal_on_the_request_path_is_not_raised(
    mail_server, immediate_tasks, django_capture_on_commit_callbacks
):
    mail_server.script = ["down"]
    with django_capture_on_commit_callbacks(execute=True):
        email = write()
    email.refresh_from_db()
    assert email.status == Email.Status.RETRYING


# --- send_now: made in a worker, sent at once through the outbox -------------------------------


@pytest.mark.django_db
def test_send_now_sends_at_once_and_keeps_the_masked_body(mail_server):
    email = send_now(kind="login_link", to="a@example.org", subject="Lien", body="https://x/lien/SECRET/",
                     logged_body="[lien masqué]")  # fmt: skip
    assert email.status == Email.Status.SENT and email.body == "[lien masqué]" and not email.kept_in_full
    [message] = mail_server.accepted
    assert message.body == "https://x/lien/SECRET/"
    assert message.extra_headers["Message-ID"] == delivery.message_id(email.key)


@pytest.mark.django_db
def test_send_now_with_an_attachment_keeps_no_attachment(mail_server):
    email = send_now(kind="registration_confirmed", to="a@example.org", subject="S", body="B",
                     attachments=(("r.pdf", b"%PDF", "application/pdf"),))  # fmt: skip
    assert email.kept_in_full is False and email.body == "B"
    assert mail_server.accepted[0].attachments == [("r.pdf", b"%PDF", "application/pdf")]


@pytest.mark.django_db
def test_send_now_refused_is_retrying_not_raised(mail_server):
    mail_server.script = ["busy"]
    email = send_now(kind="test", to="a@example.org", subject="S", body="B")
    assert email.status == Email.Status.RETRYING and "Try again later" in email.last_error


@pytest.mark.django_db
def test_send_now_inside_a_transaction_waits_for_the_commit(mail_server, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_now(kind="test", to="a@example.org", subject="S", body="rolled back")
        raise RuntimeError
    assert mail_server.accepted == [] and not Email.objects.exists()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email = send_now(kind="test", to="a@example.org", subject="S", body="committed")
        assert mail_server.accepted == []
    assert [m.body for m in mail_server.accepted] == ["committed"]
    email.refresh_from_db()
    assert email.status == Email.Status.SENT


# --- The emails of the other apps: one per logical event ---------------------------------------------


def refused_submission(pk=5, reviewed_at=None):
    registration = SimpleNamespace(
        pk=1,
        cleaned={"contacts": {"email": "chloe.lefevre@example.org"}},
        student=SimpleNamespace(
            student_number="26000001", user=SimpleNamespace(first_name="Chloé", email="")
        ),
    )
    return SimpleNamespace(
        pk=pk,
        registration=registration,
        reviewed_at=reviewed_at or datetime.datetime(2026, 9, 1, 8, tzinfo=datetime.UTC),
        document_type=SimpleNamespace(name="Photo"),
        reason=SimpleNamespace(label="Floue"),
        comment="",
    )


@pytest.mark.django_db
def test_a_refusal_is_one_email_and_a_later_refusal_another():
    first = send_document_refused_email(refused_submission())
    assert send_document_refused_email(refused_submission()).pk == first.pk  # the same refusal again
    later = refused_submission(reviewed_at=datetime.datetime(2026, 9, 2, 8, tzinfo=datetime.UTC))
    assert send_document_refused_email(later).pk != first.pk
    assert first.key == "document_refused:submission:5:2026-09-01T08:00:00+00:00"


@pytest.mark.django_db
def test_a_complete_file_is_told_once():
    registration = refused_submission().registration
    first = send_documents_complete_email(registration)
    assert send_documents_complete_email(registration).pk == first.pk
    assert first.key == "documents_complete:registration:1"


# --- Staff send failed emails again ---------------------------------------------------------------


@pytest.mark.django_db
def test_resend_puts_failed_emails_back_and_announces_it(
    mail_server, immediate_tasks, django_capture_on_commit_callbacks, django_user_model
):
    from matricule.notifications.signals import email_resent

    agent = django_user_model.objects.create(username="agent")
    failed, sent = write(), write()
    Email.objects.filter(pk=failed.pk).update(status="failed", attempts=6, last_error="Connection refused")
    Email.objects.filter(pk=sent.pk).update(status="sent")
    heard = []

    def listener(sender, email, actor, **kwargs):
        heard.append((email.pk, actor))

    email_resent.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            back = resend(Email.objects.all(), actor=agent)
    finally:
        email_resent.disconnect(listener)
    assert [email.pk for email in back] == [failed.pk]
    assert heard == [(failed.pk, agent)]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 1)
    assert len(mail_server.accepted) == 1  # the sent one was not sent again


@pytest.mark.django_db
def test_a_failed_email_nothing_can_make_again_is_not_put_back(mail_server):
    mail_server.script = ["unknown user"]
    email = send_now(kind="login_link", to="a@example.org", subject="S", body="secret", logged_body="masked")
    assert email.status == Email.Status.FAILED
    assert resend([email]) == []
    email.refresh_from_db()
    assert email.status == Email.Status.FAILED


@pytest.mark.django_db
def test_a_task_taken_up_again_can_tell_its_email_was_sent_already(mail_server):
    from matricule.notifications.delivery import Run, running

    assert sent_already("login_link") is False  # outside a task, nothing to tell
    with running(Run("run-1", "matricule.example.tasks.f", [], {})):
        assert sent_already("login_link") is False
        send_now(kind="login_link", to="a@example.org", subject="S", body="secret", logged_body="masked")
    with running(Run("run-1", "matricule.example.tasks.f", [], {})):  # taken up again
        assert sent_already("login_link") is True
        assert sent_already("login_link") is True  # asking does not count an email
        assert sent_already("account_reset") is False
    with running(Run("run-2", "matricule.example.tasks.f", [], {})):  # another run
        assert sent_already("login_link") is False
    assert sent_already("request_accepted", "request:1") is False
    queue_email(kind="request_accepted", to="a@example.org", subject="S", body="B", key="request:1")
    Email.objects.filter(kind="request_accepted").update(status="sent")
    assert sent_already("request_accepted", "request:1") is True
