import pytest
from django.core.management import call_command

from matricule.notifications.models import Email
from matricule.notifications.services import queue_email, send_test_email
from matricule.notifications.tasks import deliver_email


def run_worker():
    call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)


# The worker closes its database connection between tasks, as a long-running process should:
# that needs real transactions rather than the test's wrapping one.
@pytest.mark.django_db(transaction=True)
def test_an_email_goes_through_the_database_queue_and_the_worker(database_queue, outbox):
    from django_tasks_db.models import DBTaskResult

    email = send_test_email("chloe.lefevre@example.org")  # autocommit: queued at once
    assert outbox == []  # queued, not sent on the request path
    queued = DBTaskResult.objects.get()
    assert queued.queue_name == "emails"
    assert queued.status == "READY"

    run_worker()

    assert len(outbox) == 1
    assert outbox[0].to == ["chloe.lefevre@example.org"]
    assert "message de test" in outbox[0].body and "test message" in outbox[0].body
    email.refresh_from_db()
    assert email.status == Email.Status.SENT and email.sent_at is not None
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db
def test_delivering_twice_sends_once(outbox):
    email = queue_email(kind="test", to="a@example.org", subject="Sujet", body="Corps")
    assert deliver_email.call(email.pk) == Email.Status.SENT
    assert deliver_email.call(email.pk) == Email.Status.SENT
    assert len(outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


@pytest.mark.django_db
def test_a_mail_server_failure_is_recorded_and_retried_not_raised(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    email = queue_email(kind="test", to="a@example.org", subject="Sujet", body="Corps")
    assert deliver_email.call(email.pk) == Email.Status.RETRYING
    email.refresh_from_db()
    assert email.status == Email.Status.RETRYING and email.last_error and email.next_attempt_at
