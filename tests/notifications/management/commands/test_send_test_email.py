"""manage.py send_test_email: a message queued to check the mail set-up."""

import pytest
from django.core.management import call_command

from matricule.notifications.models import Email


@pytest.mark.django_db
def test_send_test_email_command_queues(capsys, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_test_email", "x@example.org")
    assert "Queued email" in capsys.readouterr().out
    assert Email.objects.get().to == "x@example.org"
