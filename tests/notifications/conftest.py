"""The email queue as production runs it, the immediate queue of the tests that follow an email
from the caller to the mail server, and a mail server the tests script."""

import pytest

from .mail_server import server


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }


@pytest.fixture
def mail_server(settings):
    """The scripted server (mail_server.py): `mail_server.script`, `mail_server.accepted`."""
    settings.EMAIL_BACKEND = "tests.notifications.mail_server.Backend"
    server.reset()
    yield server
    server.reset()
