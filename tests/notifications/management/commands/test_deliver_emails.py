"""manage.py deliver_emails: the sweep, by hand (the workers run it periodically)."""

import datetime

import pytest
import time_machine
from django.core.management import call_command

from matricule.notifications.models import Email
from matricule.notifications.services import queue_email


@pytest.mark.django_db
def test_the_command_sends_the_emails_left_behind(capsys, outbox):
    with time_machine.travel(datetime.datetime(2026, 9, 1, 8, tzinfo=datetime.UTC), tick=False) as clock:
        email = queue_email(
            kind="test", to="x@example.org", subject="Sujet", body="Corps"
        )  # never handed over
        clock.shift(60)
        call_command("deliver_emails")
        assert capsys.readouterr().out.strip() == "1 email(s) sent."
        call_command("deliver_emails")
        assert capsys.readouterr().out.strip() == "0 email(s) sent."
    assert len(outbox) == 1
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
