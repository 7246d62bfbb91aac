"""A task whose worker died is taken up again, on both queue backends; a task that kills its
worker every time ends failed; an alive worker's task and a young task of a worker that does not
beat are left alone."""

import datetime
import os
import signal
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from matricule.scheduling import recovery
from matricule.scheduling.models import WorkerBeat

from .conftest import REDIS_TEST_URL
from .tasks import wait_then_write

pytestmark = pytest.mark.django_db


# --- Database queue ---------------------------------------------------------------------------


def enqueued(tmp_path, *, released=True):
    from django_tasks_db.models import DBTaskResult

    release, out = tmp_path / "release", tmp_path / "out"
    if released:
        release.touch()
    result = wait_then_write.enqueue(str(release), str(out))
    return DBTaskResult.objects.get(pk=result.id), out


def claimed_by(row, worker_id: str, minutes_ago: float = 0):
    """What a worker does when it takes the task, `minutes_ago`; then it is killed (-9)."""
    row.claim(worker_id)
    row.__class__.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    row.refresh_from_db()
    return row


def beat(worker_id: str, seconds_ago: float):
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id, defaults={"last_seen": timezone.now() - datetime.timedelta(seconds=seconds_ago)}
    )


def run_database_worker():
    call_command("db_worker", queue_name="*", batch=True, startup_delay=False, interval=0, verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_the_task_of_a_worker_that_stopped_beating_runs_again(database_queue, tmp_path, settings):
    row, out = enqueued(tmp_path)
    claimed_by(row, "web1-4242-dead", minutes_ago=1)
    beat("web1-4242-dead", seconds_ago=settings.MATRICULE_WORKER_LEASE_SECONDS + 1)
    assert recovery.recover_database_tasks() == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY
    run_database_worker()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL and out.read_text() == "done"
    assert len(row.worker_ids) == 2  # the dead worker, then the one that finished it


def test_the_task_of_a_worker_still_beating_is_left_running(database_queue, tmp_path):
    row, out = enqueued(tmp_path)
    claimed_by(row, "web1-4242-alive", minutes_ago=90)  # a long task
    beat("web1-4242-alive", seconds_ago=5)
    assert recovery.recover_database_tasks() == 0
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING


def test_a_worker_that_never_beats_gets_the_long_lease(database_queue, tmp_path, settings):
    row, _out = enqueued(tmp_path)
    claimed_by(row, "plain-db-worker", minutes_ago=settings.MATRICULE_TASK_LEASE_MINUTES - 1)
    assert recovery.recover_database_tasks() == 0
    claimed = row.__class__.objects.filter(pk=row.pk)
    claimed.update(
        started_at=timezone.now() - datetime.timedelta(minutes=settings.MATRICULE_TASK_LEASE_MINUTES + 1)
    )
    assert recovery.recover_database_tasks() == 1


def test_a_task_that_kills_its_worker_every_time_ends_failed(database_queue, tmp_path):
    row, _out = enqueued(tmp_path)
    for attempt in range(recovery.MAX_ATTEMPTS):
        worker = f"web1-{attempt}-dead"
        claimed_by(row, worker, minutes_ago=5)
        beat(worker, seconds_ago=3600)
        recovery.recover_database_tasks()
        row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "matricule.scheduling.recovery.AbandonedTask"
    assert "died 3 times" in row.traceback


def test_recovery_covers_the_configured_backend(database_queue, tmp_path):
    row, _out = enqueued(tmp_path)
    claimed_by(row, "gone", minutes_ago=1)
    beat("gone", seconds_ago=3600)
    assert recovery.recover_abandoned_tasks() == 1


@pytest.mark.django_db(transaction=True)
def test_finished_tasks_are_pruned_after_a_week(database_queue, tmp_path):
    row, _out = enqueued(tmp_path)
    run_database_worker()
    assert recovery.prune_task_results(timezone.now() + datetime.timedelta(days=6)) == 0
    assert recovery.prune_task_results(timezone.now() + datetime.timedelta(days=8)) == 1


# --- Redis queue (the real Redis of the machine, in a database of its own: conftest.py) ----------


def rq_worker(connection):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    queue = django_rq.get_queue("default", job_class=Job, connection=connection)
    return queue, SimpleWorker([queue], connection=connection, job_class=Job)


def test_the_task_of_a_killed_rq_worker_runs_again(redis_queue, tmp_path):
    import redis
    from rq.job import JobStatus

    release, out = tmp_path / "release", tmp_path / "out"
    result = wait_then_write.enqueue(str(release), str(out))
    pid = os.fork()
    if pid == 0:  # the worker: takes the task, which waits for a release that will not come
        try:
            _queue, worker = rq_worker(redis.Redis.from_url(REDIS_TEST_URL))
            worker.work(burst=True)
        finally:
            os._exit(0)
    queue, _worker = rq_worker(redis_queue)
    deadline = time.monotonic() + 60
    while queue.fetch_job(result.id).get_status() != JobStatus.STARTED:
        assert time.monotonic() < deadline, "the worker never started the task"
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)  # dies mid-task, as with kill -9 or the OOM killer
    os.waitpid(pid, 0)
    assert not out.exists()
    release.touch()
    # RQ sees the worker gone once its heartbeat expires: look from then on.
    later = timezone.now() + datetime.timedelta(hours=1)
    assert recovery.recover_redis_tasks(["default"], now=later) == 1
    job = queue.fetch_job(result.id)
    assert job.get_status() == JobStatus.QUEUED and job.meta["matricule_attempts"] == 2
    _queue, worker = rq_worker(redis_queue)
    worker.work(burst=True)
    assert out.read_text() == "done"
    assert queue.fetch_job(result.id).get_status() == JobStatus.FINISHED


def test_an_rq_task_failing_by_itself_is_not_retried(redis_queue, tmp_path):
    from rq.job import JobStatus

    result = wait_then_write.enqueue(str(tmp_path / "release"), str(tmp_path / "no-such-dir" / "out"))
    (tmp_path / "release").touch()
    queue, worker = rq_worker(redis_queue)
    worker.work(burst=True)  # raises FileNotFoundError inside the task: a real failure
    assert queue.fetch_job(result.id).get_status() == JobStatus.FAILED
    later = timezone.now() + datetime.timedelta(hours=1)
    assert recovery.recover_redis_tasks(["default"], now=later) == 0
