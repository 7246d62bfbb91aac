"""`manage.py run_worker`: the configured queue's worker, with the heartbeat and the scheduler, on
each backend (the database queue's db_worker, RQ's worker on the real Redis)."""

import pytest
from django.core.management import call_command
from django_tasks import default_task_backend
from django_tasks.base import TaskResultStatus

from matricule.scheduling.models import RecurringJob, WorkerBeat
from tests.scheduling.tasks import wait_then_write

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_runs_the_queued_tasks_beats_and_runs_the_recurring_jobs(task_queue, tmp_path):
    (tmp_path / "release").touch()
    result = wait_then_write.enqueue(str(tmp_path / "release"), str(tmp_path / "out"))
    call_command("run_worker", "--batch", "--interval", "0", verbosity=0)
    finished = default_task_backend.get_result(result.id)
    assert finished.status == TaskResultStatus.SUCCESSFUL and (tmp_path / "out").read_text() == "done"
    if task_queue == "database":
        (beat,) = WorkerBeat.objects.all()
        assert finished.worker_ids == [beat.worker_id]
    else:  # RQ's workers beat in Redis on their own
        assert not WorkerBeat.objects.exists() and len(finished.worker_ids) == 1
    assert {"payments.reconcile", "scheduling.recover_tasks"} <= set(
        RecurringJob.objects.values_list("name", flat=True)
    )


def test_without_the_scheduler_no_recurring_job_runs(task_queue):
    call_command("run_worker", "--batch", "--no-scheduler", verbosity=0)
    assert not RecurringJob.objects.exists()
    # The database queue's worker still beats (its tasks must be recoverable); RQ's beat in Redis.
    assert WorkerBeat.objects.count() == (1 if task_queue == "database" else 0)


def test_the_task_loop_survives_the_database_going_away(database_queue, monkeypatch):
    """A restart of the database stops db_worker's loop with an error: the worker starts it
    again under a new id (so that the task the old loop held is recoverable)."""
    from django.core.management import call_command as real_call_command
    from django.db import OperationalError

    from matricule.scheduling.management.commands import run_worker

    ids = []

    def flaky(name, *args, **kwargs):
        if name == "db_worker":
            ids.append(kwargs["worker_id"])
            if len(ids) == 1:
                raise OperationalError("server closed the connection unexpectedly")
        return real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(run_worker, "call_command", flaky)
    monkeypatch.setattr(run_worker.time, "sleep", lambda seconds: None)
    real_call_command("run_worker", "--batch", "--no-scheduler", verbosity=0)
    assert len(ids) == 2 and ids[0] != ids[1]
