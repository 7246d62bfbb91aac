"""The project's own tasks through each backend and its real worker (`run_worker --batch`): an
email of the outbox queued on the `emails` queue, sent once by the worker (RQ's runs it in its
own process: rq_worker.TaskWorker)."""

import pytest
from django.core.management import call_command

from matricule.notifications.models import Email
from matricule.notifications.services import send_test_email

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_email_goes_through_the_queue_and_the_worker_once(task_queue, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    email = send_test_email("chloe.lefevre@example.org")  # autocommit: queued at once
    assert list(tmp_path.iterdir()) == []  # queued, not sent by the caller
    call_command("run_worker", "emails", "--batch", "--no-scheduler", "--interval", "0", verbosity=0)
    (sent,) = tmp_path.iterdir()
    text = sent.read_text()
    assert text.count("To: chloe.lefevre@example.org") == 1 and "message de test" in text
    email.refresh_from_db()
    assert email.status == Email.Status.SENT and email.attempts == 1
