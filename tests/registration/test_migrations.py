"""Migration 0003: tasks waiting in the database queue under a path that moved run after the
upgrade (and go back with a downgrade)."""

import pytest
from django.utils import timezone

from tests.migrating import database_at, migrate

BEFORE = [
    ("registration", "0002_student_identity"),
    ("django_tasks_database", "0021_conditional_partial_index_ordering"),
]
AFTER = [("registration", "0003_moved_task_paths")]
OLD = "matricule.registration.tasks.send_registration_confirmation"
NEW = "matricule.certificates.tasks.send_registration_confirmation"


@pytest.fixture
def before_upgrade():
    yield from database_at(BEFORE)


def queued(apps, path, status="READY"):
    return apps.get_model("django_tasks_database", "DBTaskResult").objects.create(
        task_path=path,
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        queue_name="emails",
        backend_name="default",
        priority=0,
        enqueued_at=timezone.now(),
        run_after=timezone.now(),
    )


@pytest.mark.django_db(transaction=True)
def test_waiting_tasks_follow_their_new_path(before_upgrade):
    waiting = queued(before_upgrade, OLD)
    done = queued(before_upgrade, OLD, status="SUCCESSFUL")
    other = queued(before_upgrade, "matricule.notifications.tasks.deliver_email")

    apps = migrate(AFTER)
    rows = apps.get_model("django_tasks_database", "DBTaskResult").objects
    assert rows.get(pk=waiting.pk).task_path == NEW
    assert rows.get(pk=done.pk).task_path == OLD  # history as it ran
    assert rows.get(pk=other.pk).task_path == "matricule.notifications.tasks.deliver_email"

    apps = migrate(BEFORE)
    assert apps.get_model("django_tasks_database", "DBTaskResult").objects.get(pk=waiting.pk).task_path == OLD
